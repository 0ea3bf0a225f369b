package i18n

import "testing"

func TestMoney(t *testing.T) {
	c := New("en")
	tests := []struct {
		lang  string
		minor int64
		code  string
		want  string
	}{
		{"en", 500, "EUR", "€5"},
		{"en", 500, "eur", "€5"},
		{"en", 1000000, "EUR", "€10,000"},
		{"en", 250, "EUR", "€2.50"},
		{"en", 205, "USD", "$2.05"},
		{"en", 500, "GBP", "£5"},
		{"en", 500, "CHF", "CHF\u00a05"},
		{"en", -500, "EUR", "−€5"},
		{"en", 500, "", "5"},
		{"en", 500, "XYZ", "XYZ\u00a05"},
		{"ru", 500, "EUR", "5\u00a0€"},
		{"ru", 1000000, "EUR", "10\u00a0000\u00a0€"},
		{"ru", 250, "RUB", "2,50\u00a0₽"},
		{"ru", 500, "CHF", "5\u00a0CHF"},
	}
	for _, tc := range tests {
		got := c.Locale(tc.lang).Money(tc.minor, tc.code)
		if got != tc.want {
			t.Errorf("Money(%s, %d, %q) = %q, want %q", tc.lang, tc.minor, tc.code, got, tc.want)
		}
	}
	if got := c.Locale("en").MoneyMajor(10000, "EUR"); got != "€10,000" {
		t.Errorf("MoneyMajor(10000 EUR) = %q", got)
	}
}
