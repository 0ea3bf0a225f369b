package mail

import (
	"strings"
	"testing"
)

func TestSupporterMails(t *testing.T) {
	m, err := Signin("a@example.org", SigninData{SiteName: "Site <&>", Link: "https://example.org/support/signin/tok?x=1&y=2", Minutes: 15})
	if err != nil {
		t.Fatal(err)
	}
	if m.Kind != "signin" || !strings.Contains(m.Text, "https://example.org/support/signin/tok?x=1&y=2") ||
		!strings.Contains(m.HTML, `href="https://example.org/support/signin/tok?x=1&amp;y=2"`) || strings.Contains(m.HTML, "Site <&>") {
		t.Errorf("sign-in mail = %+v", m)
	}
	r, err := Receipt("a@example.org", ReceiptData{SiteName: "S", Amount: "EUR 5.00", Frequency: "monthly", Date: "1 March 2026", Reference: "in_1"})
	if err != nil || !strings.Contains(r.Text, "EUR 5.00") || !strings.Contains(r.HTML, "EUR 5.00") || r.Kind != "receipt" {
		t.Errorf("receipt = %+v, %v", r, err)
	}
}
