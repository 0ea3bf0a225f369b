package testpeer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/samizdat-press/samizdat/internal/testpeer/btcpayspec"
)

// createBody is the request the brief's defect made strict validators
// refuse: BTCPay takes it.
const createBody = `{"amount":"5","currency":"EUR","metadata":{"orderId":"x"}}`

// loadSchema loads an OpenAPI document with kin-openapi and returns one of
// its component schemas.
func loadSchema(t *testing.T, doc []byte, name string) *openapi3.Schema {
	t.Helper()
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	d, err := loader.LoadFromData(doc)
	if err != nil {
		t.Fatalf("loading: %v", err)
	}
	ref := d.Components.Schemas[name]
	if ref == nil || ref.Value == nil {
		t.Fatalf("no components/schemas/%s", name)
	}
	return ref.Value
}

func visit(s *openapi3.Schema, body string) error {
	var v any
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		return err
	}
	return s.VisitJSON(v, openapi3.DisableSchemaErrorDetails())
}

func TestRepairBTCPaySpec(t *testing.T) {
	// The defect is there in the original: were it fixed upstream, this
	// repair (and this test) could go.
	if err := visit(loadSchema(t, btcpayspec.OpenAPI, "CreateInvoiceRequest"), createBody); err == nil {
		t.Fatal("the original description accepts metadata in CreateInvoiceRequest; is the repair still needed?")
	}

	repaired, err := RepairBTCPaySpec(btcpayspec.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	create := loadSchema(t, repaired, "CreateInvoiceRequest")
	for _, body := range []string{
		createBody,
		`{"amount":"5","currency":"EUR","metadata":{"orderId":"x"},"checkout":{"redirectURL":"https://shop.example/done","expirationMinutes":30},"receipt":{"enabled":true}}`,
		`{"currency":"EUR","checkout":null}`, // top-up, nullable checkout kept from the outer schema
	} {
		if err := visit(create, body); err != nil {
			t.Errorf("repaired CreateInvoiceRequest refuses %s: %v", body, err)
		}
	}
	for _, body := range []string{
		`{"amount":"5","bogus":1}`,                           // closed at the top
		`{"amount":"5","checkout":{"bogus":1}}`,              // and in the inlined CheckoutOptions
		`{"amount":5,"currency":"EUR"}`,                      // types still apply
		`{"amount":"5","metadata":{"orderId":"x"},"id":"y"}`, // InvoiceData's fields are not CreateInvoiceRequest's
	} {
		if err := visit(create, body); err == nil {
			t.Errorf("repaired CreateInvoiceRequest accepts %s", body)
		}
	}

	// Three levels of allOf, the outer ones not closed themselves.
	settled := loadSchema(t, repaired, "WebhookInvoiceSettledEvent")
	event := `{"deliveryId":"d","webhookId":"w","originalDeliveryId":"d","isRedelivery":false,"type":"InvoiceSettled","timestamp":1700000000,"storeId":"s","invoiceId":"i","metadata":{"orderId":"x"},"manuallyMarked":false,"overPaid":false}`
	if err := visit(settled, event); err != nil {
		t.Errorf("repaired WebhookInvoiceSettledEvent refuses %s: %v", event, err)
	}
	if err := visit(settled, strings.Replace(event, `"overPaid":false`, `"overPaid":false,"bogus":1`, 1)); err == nil {
		t.Error("repaired WebhookInvoiceSettledEvent accepts an unknown property")
	}
	if settled.Description == "" {
		t.Error("the outer schema's description was lost")
	}

	// Property wrappers around a string schema are not of the kind.
	data := loadSchema(t, repaired, "InvoiceData")
	if storeID := data.Properties["storeId"]; storeID == nil || len(storeID.Value.AllOf) != 1 {
		t.Errorf("InvoiceData.storeId should still be its allOf wrapper, is %+v", storeID)
	}
	if len(data.AllOf) != 0 || data.AdditionalProperties.Has == nil || *data.AdditionalProperties.Has {
		t.Errorf("InvoiceData is not one closed object: allOf %d, additionalProperties %+v", len(data.AllOf), data.AdditionalProperties)
	}

	// The repair is a fixed point: nothing of the kind is left.
	again, err := RepairBTCPaySpec(repaired)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, repaired) {
		t.Error("repairing the repaired description changes it again")
	}
}

func TestRepairBTCPaySpecLeavesOthersAlone(t *testing.T) {
	// A member with a constraint the union of properties would lose
	// (here anyOf) keeps the allOf as it is; so does a reference cycle.
	doc := `{"components":{"schemas":{
		"Closed":{"type":"object","additionalProperties":false,"properties":{"a":{"type":"string"}}},
		"Picky":{"allOf":[{"$ref":"#/components/schemas/Closed"},{"anyOf":[{"required":["a"]}]}]},
		"Loop1":{"allOf":[{"$ref":"#/components/schemas/Loop2"},{"$ref":"#/components/schemas/Closed"}]},
		"Loop2":{"allOf":[{"$ref":"#/components/schemas/Loop1"}]}}}}`
	out, err := RepairBTCPaySpec([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Components struct {
			Schemas map[string]map[string]any
		}
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Picky", "Loop1", "Loop2"} {
		if _, ok := got.Components.Schemas[name]["allOf"]; !ok {
			t.Errorf("%s was merged: %v", name, got.Components.Schemas[name])
		}
	}
	if _, err := RepairBTCPaySpec([]byte(`{"openapi":`)); err == nil {
		t.Error("a broken document repairs without error")
	}
}

// recordingTB captures the fake's reports of contract breaches, so a test
// can send a bad request on purpose and check that it was caught.
type recordingTB struct {
	testing.TB
	mu   sync.Mutex
	errs []string
}

func (r *recordingTB) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func (r *recordingTB) Error(args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errs = append(r.errs, fmt.Sprint(args...))
}

func (r *recordingTB) reports() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.errs...)
}

// call sends one request to a BTCPay base URL and returns the status and
// body.
func call(t *testing.T, method, url, key, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "token "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading: %v", method, url, err)
	}
	return resp, b
}

// invoiceJSON is the part of InvoiceData the tests look at.
type invoiceJSON struct {
	ID, StoreID, Amount, PaidAmount, Currency, Type, CheckoutLink, Status, AdditionalStatus string
	CreatedTime, ExpirationTime, MonitoringExpiration                                       int64
	Metadata                                                                                map[string]any
	Checkout                                                                                map[string]any
}

func decodeJSON[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decoding %s: %v", b, err)
	}
	return v
}

func TestBTCPayFakeInvoices(t *testing.T) {
	f := NewBTCPayFake(t)
	if len(f.StoreID) != 44 || len(f.APIKey) != 40 {
		t.Errorf("store %q key %q: want 44 base58 and 40 hex characters", f.StoreID, f.APIKey)
	}
	invoices := f.URL + "/api/v1/stores/" + f.StoreID + "/invoices"

	resp, b := call(t, "POST", invoices, f.APIKey,
		`{"amount":"5.00","currency":"eur","metadata":{"orderId":"order-1","n":1.5},"checkout":{"redirectURL":"https://shop.example/done","expirationMinutes":30}}`)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("create: %d %s", resp.StatusCode, b)
	}
	inv := decodeJSON[invoiceJSON](t, b)
	if inv.CheckoutLink != f.URL+"/i/"+inv.ID || len(inv.ID) != 22 {
		t.Errorf("checkoutLink %q for id %q", inv.CheckoutLink, inv.ID)
	}
	if inv.StoreID != f.StoreID || inv.Amount != "5.00" || inv.PaidAmount != "0" || inv.Currency != "EUR" ||
		inv.Type != "Standard" || inv.Status != "New" || inv.AdditionalStatus != "None" {
		t.Errorf("created invoice: %+v", inv)
	}
	if inv.ExpirationTime-inv.CreatedTime != 30*60 || inv.MonitoringExpiration <= inv.ExpirationTime {
		t.Errorf("times: created %d expires %d monitored until %d", inv.CreatedTime, inv.ExpirationTime, inv.MonitoringExpiration)
	}
	if inv.Metadata["orderId"] != "order-1" || inv.Metadata["n"] != 1.5 || inv.Checkout["redirectURL"] != "https://shop.example/done" {
		t.Errorf("metadata %v checkout %v not echoed", inv.Metadata, inv.Checkout)
	}
	kept, ok := f.Invoice(inv.ID)
	if !ok || kept.Checkout["redirectURL"] != "https://shop.example/done" || kept.Metadata["orderId"] != "order-1" {
		t.Errorf("Invoice(%q) = %+v, %v", inv.ID, kept, ok)
	}

	resp, b = call(t, "GET", f.URL+"/api/v1/invoices/"+inv.ID, f.APIKey, "")
	if got := decodeJSON[invoiceJSON](t, b); resp.StatusCode != http.StatusOK || got.ID != inv.ID || got.Amount != "5.00" {
		t.Errorf("get: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(t, "GET", f.URL+"/api/v1/invoices/nope", f.APIKey, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("get unknown: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(t, "GET", inv.CheckoutLink, "", ""); resp.StatusCode != http.StatusOK || !strings.Contains(string(b), "BTCPay checkout for invoice "+inv.ID) {
		t.Errorf("checkout page: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(t, "POST", f.URL+"/api/v1/stores/"+base58ID(44)+"/invoices", f.APIKey, createBody); resp.StatusCode != http.StatusForbidden {
		t.Errorf("create in another store: %d %s", resp.StatusCode, b)
	}

	// Two more; the second settled, one paid over, and one made elsewhere.
	_, b = call(t, "POST", invoices, f.APIKey, `{"amount":"10","currency":"EUR","metadata":{"orderId":"order-2"}}`)
	second := decodeJSON[invoiceJSON](t, b)
	f.SetStatus(second.ID, "Settled", "None")
	_, b = call(t, "POST", invoices, f.APIKey, `{"amount":"2.5","currency":"EUR","metadata":{"orderId":"order-3"}}`)
	third := decodeJSON[invoiceJSON](t, b)
	f.SetStatus(third.ID, "Settled", "PaidOver")
	pos := f.AddInvoice(FakeInvoice{Amount: "1", Currency: "EUR", Status: "Expired", AdditionalStatus: "PaidPartial",
		Metadata: map[string]any{"orderId": "pos-1"}, CreatedTime: inv.CreatedTime - 3600})

	list := func(query string) []invoiceJSON {
		t.Helper()
		resp, b := call(t, "GET", invoices+query, f.APIKey, "")
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("list %s: %d %s", query, resp.StatusCode, b)
		}
		return decodeJSON[[]invoiceJSON](t, b)
	}
	ids := func(l []invoiceJSON) []string {
		var out []string
		for _, i := range l {
			out = append(out, i.ID)
		}
		return out
	}
	if got, want := ids(list("")), []string{third.ID, second.ID, inv.ID, pos}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("list: %v, want newest first %v", got, want)
	}
	settled := list("?status=Settled")
	if got, want := ids(settled), []string{third.ID, second.ID}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status=Settled: %v, want %v", got, want)
	}
	if settled[1].PaidAmount != "10" || settled[0].PaidAmount != "2.75" {
		t.Errorf("paid amounts: settled %q, paid over %q", settled[1].PaidAmount, settled[0].PaidAmount)
	}
	// BTCPay takes several statuses, though the description's status is one.
	if got, want := ids(list("?status=Settled&status=Expired")), []string{third.ID, second.ID, pos}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status=Settled&status=Expired: %v, want %v", got, want)
	}
	if got := ids(list("?orderId=order-1&orderId=pos-1")); fmt.Sprint(got) != fmt.Sprint([]string{inv.ID, pos}) {
		t.Errorf("orderId filter: %v", got)
	}
	if got := ids(list(fmt.Sprintf("?endDate=%d", inv.CreatedTime-1))); fmt.Sprint(got) != fmt.Sprint([]string{pos}) {
		t.Errorf("endDate filter: %v", got)
	}
	if got := ids(list(fmt.Sprintf("?startDate=%d&skip=1&take=1", inv.CreatedTime))); fmt.Sprint(got) != fmt.Sprint([]string{second.ID}) {
		t.Errorf("startDate, skip, take: %v", got)
	}
	if p, _ := f.Invoice(pos); p.PaidAmount != "0.5" || p.CheckoutLink != f.URL+"/i/"+pos {
		t.Errorf("added invoice: %+v", p)
	}
	if all := f.Invoices(); len(all) != 4 || all[0].ID != inv.ID || all[3].ID != pos {
		t.Errorf("Invoices(): %v", all)
	}
	if n := f.Requests(); n != 12 {
		t.Errorf("Requests() = %d, want the 12 API requests sent", n)
	}
}

func TestBTCPayFakeTopUp(t *testing.T) {
	f := NewBTCPayFake(t)
	// No amount is a top-up invoice; null checkout options are the store's.
	resp, b := call(t, "POST", f.URL+"/api/v1/stores/"+f.StoreID+"/invoices", f.APIKey,
		`{"currency":"EUR","checkout":{"expirationMinutes":null,"speedPolicy":null}}`)
	inv := decodeJSON[invoiceJSON](t, b)
	if resp.StatusCode != http.StatusOK || inv.Type != "TopUp" || inv.Amount != "0" ||
		inv.Checkout["expirationMinutes"] != 15.0 || inv.Checkout["speedPolicy"] != "MediumSpeed" {
		t.Errorf("top-up: %d %s", resp.StatusCode, b)
	}
	if got, _ := f.Invoice(inv.ID); got.Checkout["speedPolicy"] != nil || len(got.Checkout) != 2 {
		t.Errorf("Invoice().Checkout = %v, want the options as sent", got.Checkout)
	}
}

func TestBTCPayFakeRefusesBrokenRequests(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := NewBTCPayFake(rec)
	invoices := f.URL + "/api/v1/stores/" + f.StoreID + "/invoices"

	resp, b := call(t, "POST", invoices, f.APIKey, `{"amount":5,"currency":"EUR"}`)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(b), `"path":"amount"`) {
		t.Errorf("amount as a number: %d %s", resp.StatusCode, b)
	}
	reports := rec.reports()
	if len(reports) != 1 || !strings.Contains(reports[0], "BTCPay contract: request POST /api/v1/stores/"+f.StoreID+"/invoices breaks the description") {
		t.Errorf("reports: %q", reports)
	}

	for _, body := range []string{
		`{"amount":"5","bogus":1}`,
		`{"amount":"five"}`, // not a decimal
		`{"amount":"5","checkout":{"redirectUrl":"https://shop.example/"}}`, // BTCPay spells it redirectURL
		`{"amount":"5","checkout":{"expirationMinutes":2.5}}`,               // minutes are int32
	} {
		if resp, b := call(t, "POST", invoices, f.APIKey, body); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	if resp, b := call(t, "GET", invoices+"?status=New&status=Paid", f.APIKey, ""); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a second status that is none: %d %s", resp.StatusCode, b)
	}
	if resp, b := call(t, "GET", f.URL+"/api/v1/no-such-thing", f.APIKey, ""); resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown path: %d %s", resp.StatusCode, b)
	}
	if n := len(rec.reports()); n != 7 {
		t.Errorf("%d reports, want one per bad request: %q", n, rec.reports())
	}
	if len(f.Invoices()) != 0 {
		t.Errorf("refused requests made invoices: %v", f.Invoices())
	}

	// A business refusal is not a breach of the description.
	if resp, b := call(t, "POST", invoices, f.APIKey, `{"amount":"-1"}`); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("negative amount: %d %s", resp.StatusCode, b)
	}
	if n := len(rec.reports()); n != 7 {
		t.Errorf("a negative amount was reported as a breach: %q", rec.reports()[7:])
	}
}

func TestBTCPayFakeDownAndRevoked(t *testing.T) {
	rec := &recordingTB{TB: t}
	f := NewBTCPayFake(rec)
	invoices := f.URL + "/api/v1/stores/" + f.StoreID + "/invoices"

	f.SetDown(true)
	if resp, b := call(t, "POST", invoices, f.APIKey, createBody); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("down: %d %s", resp.StatusCode, b)
	}
	f.SetDown(false)
	if resp, b := call(t, "POST", invoices, f.APIKey, createBody); resp.StatusCode != http.StatusOK {
		t.Errorf("back up: %d %s", resp.StatusCode, b)
	}

	if resp, b := call(t, "GET", invoices, "wrong", ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong key: %d %s", resp.StatusCode, b)
	}
	f.RevokeKey()
	resp, b := call(t, "GET", invoices, f.APIKey, "")
	if p := decodeJSON[problem](t, b); resp.StatusCode != http.StatusUnauthorized || p.Code != "unauthenticated" || p.Message == "" {
		t.Errorf("revoked key: %d %s", resp.StatusCode, b)
	}
	if n := f.Requests(); n != 4 {
		t.Errorf("Requests() = %d, want 4", n)
	}
	if r := rec.reports(); len(r) != 0 {
		t.Errorf("an outage or a bad key was reported as a breach: %q", r)
	}
}

func TestBTCPayWebhookBodies(t *testing.T) {
	f := NewBTCPayFake(t)
	id := f.AddInvoice(FakeInvoice{Amount: "5", Currency: "EUR", Metadata: map[string]any{"orderId": "order-1"}})
	type event struct {
		DeliveryID, WebhookID, OriginalDeliveryID, Type, StoreID, InvoiceID string
		IsRedelivery                                                        bool
		Timestamp                                                           int64
		Metadata                                                            map[string]any
		ManuallyMarked, OverPaid, PartiallyPaid                             *bool
	}
	check := func(typ, additional string) event {
		t.Helper()
		status := map[string]string{"InvoiceSettled": "Settled", "InvoiceExpired": "Expired", "InvoiceInvalid": "Invalid"}[typ]
		f.SetStatus(id, status, additional)
		ev := decodeJSON[event](t, f.WebhookBody(typ, id))
		if ev.Type != typ || ev.InvoiceID != id || ev.StoreID != f.StoreID || ev.WebhookID != f.WebhookID ||
			ev.DeliveryID == "" || ev.OriginalDeliveryID != ev.DeliveryID || ev.IsRedelivery ||
			time.Since(time.Unix(ev.Timestamp, 0)) > time.Minute || ev.Metadata["orderId"] != "order-1" {
			t.Errorf("%s: %+v", typ, ev)
		}
		return ev
	}
	if ev := check("InvoiceSettled", "PaidOver"); ev.ManuallyMarked == nil || *ev.ManuallyMarked || ev.OverPaid == nil || !*ev.OverPaid {
		t.Errorf("InvoiceSettled paid over: %+v", ev)
	}
	if ev := check("InvoiceSettled", "Marked"); ev.ManuallyMarked == nil || !*ev.ManuallyMarked {
		t.Errorf("InvoiceSettled marked: %+v", ev)
	}
	if ev := check("InvoiceExpired", "PaidPartial"); ev.PartiallyPaid == nil || !*ev.PartiallyPaid {
		t.Errorf("InvoiceExpired: %+v", ev)
	}
	if ev := check("InvoiceInvalid", "Marked"); ev.ManuallyMarked == nil || !*ev.ManuallyMarked {
		t.Errorf("InvoiceInvalid: %+v", ev)
	}
	for _, typ := range []string{"InvoiceCreated", "InvoiceProcessing", "InvoiceReceivedPayment", "InvoicePaymentSettled"} {
		if b := f.WebhookBody(typ, id); !bytes.Contains(b, []byte(`"type":"`+typ+`"`)) {
			t.Errorf("%s: %s", typ, b)
		}
	}

	first := f.WebhookBody("InvoiceSettled", id)
	again := decodeJSON[event](t, f.Redelivery(first))
	orig := decodeJSON[event](t, first)
	if !again.IsRedelivery || again.DeliveryID == orig.DeliveryID || again.OriginalDeliveryID != orig.DeliveryID || again.InvoiceID != id {
		t.Errorf("redelivery %+v of %+v", again, orig)
	}

	// The check is real: what the description does not allow is refused.
	c := btcpayDescription(t)
	for _, bad := range []string{
		strings.Replace(string(first), `"type":`, `"bogus":1,"type":`, 1),
		strings.Replace(string(first), `"overPaid":false`, `"overPaid":"no"`, 1),
	} {
		if err := c.validateWebhook("InvoiceSettled", []byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func TestSignBTCPay(t *testing.T) {
	// printf %s '{"deliveryId":"X","type":"InvoiceSettled"}' | openssl dgst -sha256 -hmac whsec-test
	const want = "sha256=1d420e721ea44c22412e58c7c2e9f6a6005072215a0e32e2486b0e13f7640be6"
	if got := SignBTCPay("whsec-test", []byte(`{"deliveryId":"X","type":"InvoiceSettled"}`)); got != want {
		t.Errorf("SignBTCPay = %s, want %s", got, want)
	}
}

func TestBTCPayPrism(t *testing.T) {
	url := BTCPayPrism(t)
	invoices := url + "/api/v1/stores/9CiNzKoANXxmk5ayZngSXrHTiVvvgCrwrpFQd4m2K776/invoices"

	resp, b := call(t, "POST", invoices, "k",
		`{"amount":"5","currency":"EUR","metadata":{"orderId":"x"},"checkout":{"redirectURL":"https://shop.example/done"}}`)
	if resp.StatusCode != http.StatusOK || PrismViolations(resp) != "" {
		t.Errorf("valid create: %d violations %q %s", resp.StatusCode, PrismViolations(resp), b)
	}
	if inv := decodeJSON[invoiceJSON](t, b); inv.ID == "" {
		t.Errorf("valid create: no invoice id in %s", b)
	}

	resp, b = call(t, "POST", invoices, "k", `{"amount":5,"currency":"EUR"}`)
	if v := PrismViolations(resp); resp.StatusCode < 400 || resp.StatusCode > 499 || !strings.Contains(v, "amount") {
		t.Errorf("amount as a number: %d violations %q %s", resp.StatusCode, v, b)
	}
	if resp, b := call(t, "POST", invoices, "", createBody); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no Authorization: %d %s", resp.StatusCode, b)
	}
}
