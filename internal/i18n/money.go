package i18n

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/currency"
)

// Money formats an amount in minor units (cents) as readers of the
// language write it, with its currency: "€5", "€10,000", "€2.50" in
// English, "5 €", "10 000 €", "2,50 €" in Russian (CLDR's patterns: the
// sign before the number in English, after it in Russian). Whole amounts
// show no cents. A currency with no symbol of its own is named by its
// ISO code ("CHF 5", "5 CHF"); an unknown or empty code is shown as
// given, so nothing is ever dropped.
func (l *Locale) Money(minor int64, code string) string {
	neg := minor < 0
	if neg {
		minor = -minor
	}
	num := l.Number(minor / 100)
	if c := minor % 100; c != 0 {
		sep := "."
		if l.lang == "ru" {
			sep = ","
		}
		num += sep + strconv.FormatInt(100+c, 10)[1:]
	}
	sym := Symbol(code)
	var out string
	switch {
	case sym == "":
		out = num
	case l.lang == "ru":
		out = num + "\u00a0" + sym
	case utf8.RuneCountInString(sym) == 1:
		out = sym + num
	default:
		out = sym + "\u00a0" + num
	}
	if neg {
		out = "−" + out
	}
	return out
}

// MoneyMajor is Money for an amount in major units (5 for €5).
func (l *Locale) MoneyMajor(major int64, code string) string { return l.Money(major*100, code) }

// Symbol is the currency's narrow sign (€, $, ₽) from CLDR, or its upper
// case ISO code where it has none a reader would recognise alone.
func Symbol(code string) string {
	code = strings.ToUpper(strings.TrimSpace(code))
	u, err := currency.ParseISO(code)
	if err != nil {
		return code
	}
	// The narrow symbol prints as "€ 0.00": the sign is what precedes
	// the space.
	s, _, _ := strings.Cut(fmt.Sprint(currency.NarrowSymbol(u.Amount(0))), " ")
	if s == "" {
		return code
	}
	return s
}
