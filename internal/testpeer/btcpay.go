package testpeer

// BTCPay Server's Greenfield API as a contract: its own OpenAPI
// description (btcpayspec), repaired so that strict validators accept the
// traffic BTCPay accepts, and a stateful fake of the invoice endpoints that
// checks every request, response and webhook body against it.

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"math/big"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/samizdat-press/samizdat/internal/testpeer/btcpayspec"
)

// RepairBTCPaySpec returns the OpenAPI document with its self-contradictory
// allOf lists made into single object schemas.
//
// BTCPay's description builds schemas such as InvoiceData,
// CreateInvoiceRequest and the webhook events as allOf lists in which one
// member says additionalProperties: false while other members (often
// $refs, themselves allOf lists) add properties. JSON Schema applies every
// member on its own, so the closed member refuses the other members'
// properties and a strict validator refuses traffic BTCPay accepts and
// sends. The intent is plainly one closed object with all the properties,
// and that is what each such allOf becomes: the union of the members'
// properties and required, additionalProperties: false, and the outer
// schema's own keys (description, nullable, …). An allOf is of this kind
// when, after resolving local #/components/schemas references and
// flattening members that are themselves allOf object schemas, one of its
// members has both additionalProperties: false and properties. Any other
// allOf (such as a property's description wrapped around a $ref to a string
// schema) is left as it is, and so is one whose members carry constraints
// a union of properties could not keep (anyOf, enum, …).
func RepairBTCPaySpec(doc []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	// Numbers stay as written: the repaired document must differ from the
	// original only where the repair says.
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("BTCPay description: %w", err)
	}
	r := &allOfRepair{}
	if comps, ok := root["components"].(map[string]any); ok {
		r.schemas, _ = comps["schemas"].(map[string]any)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(r.value(root)); err != nil {
		return nil, fmt.Errorf("BTCPay description: encoding the repaired document: %w", err)
	}
	return buf.Bytes(), nil
}

// allOfRepair rewrites a decoded OpenAPI document. It never modifies what
// it reads: every node it returns is new, so schemas inlined in several
// places share nothing.
type allOfRepair struct {
	schemas map[string]any // components/schemas of the original document
}

func (r *allOfRepair) value(v any) any {
	switch v := v.(type) {
	case map[string]any:
		if merged, ok := r.merge(v); ok {
			v = merged
		}
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = r.value(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = r.value(e)
		}
		return out
	default:
		return v
	}
}

// merge returns the single object schema that replaces s, when s is an
// allOf of the kind RepairBTCPaySpec repairs.
func (r *allOfRepair) merge(s map[string]any) (map[string]any, bool) {
	members, ok := s["allOf"].([]any)
	if !ok {
		return nil, false
	}
	if t, ok := s["type"]; ok && t != "object" {
		return nil, false
	}
	var parts []map[string]any
	if hasObjectKeywords(s) {
		parts = append(parts, s)
	}
	for _, m := range members {
		mm, ok := m.(map[string]any)
		if !ok {
			return nil, false
		}
		p, ok := r.parts(mm, nil)
		if !ok {
			return nil, false
		}
		parts = append(parts, p...)
	}
	if !slices.ContainsFunc(parts, closedObject) {
		return nil, false
	}
	out := make(map[string]any, len(s)+2)
	for k, v := range s {
		switch k {
		case "allOf", "properties", "required", "additionalProperties":
		default:
			out[k] = v
		}
	}
	out["type"] = "object"
	props := map[string]any{}
	var required []any
	for _, p := range parts {
		pp, _ := p["properties"].(map[string]any)
		for name, ps := range pp {
			if prev, dup := props[name]; dup && !reflect.DeepEqual(prev, ps) {
				// Two members constrain the same property: both still apply.
				props[name] = map[string]any{"allOf": []any{prev, ps}}
				continue
			}
			props[name] = ps
		}
		req, _ := p["required"].([]any)
		for _, name := range req {
			if !slices.Contains(required, name) {
				required = append(required, name)
			}
		}
	}
	out["properties"] = props
	if len(required) > 0 {
		out["required"] = required
	}
	out["additionalProperties"] = false
	return out, true
}

// parts returns the object schemas an allOf member is the conjunction of:
// itself (its properties, required and additionalProperties) and,
// recursively, its own allOf members, $refs resolved. It reports false when
// the member is not an object schema whose meaning survives the union.
// seen holds the schema names being resolved, so a cycle of allOf
// references ends instead of recursing forever.
func (r *allOfRepair) parts(m map[string]any, seen []string) ([]map[string]any, bool) {
	if ref, ok := m["$ref"].(string); ok {
		// Keys beside a $ref are ignored in OpenAPI 3.0.
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if !ok || slices.Contains(seen, name) {
			return nil, false
		}
		target, ok := r.schemas[name].(map[string]any)
		if !ok {
			return nil, false
		}
		return r.parts(target, append(seen, name))
	}
	for k, v := range m {
		switch k {
		case "type":
			if v != "object" {
				return nil, false
			}
		case "properties", "required", "allOf":
		case "additionalProperties":
			if _, ok := v.(bool); !ok {
				return nil, false
			}
		case "description", "title", "example", "examples", "deprecated",
			"externalDocs", "xml", "nullable":
			// Annotations: the merged schema keeps the outer schema's.
		default:
			if !strings.HasPrefix(k, "x-") {
				return nil, false
			}
		}
	}
	var out []map[string]any
	if hasObjectKeywords(m) {
		out = append(out, m)
	}
	if all, ok := m["allOf"]; ok {
		list, ok := all.([]any)
		if !ok {
			return nil, false
		}
		for _, e := range list {
			em, ok := e.(map[string]any)
			if !ok {
				return nil, false
			}
			sub, ok := r.parts(em, seen)
			if !ok {
				return nil, false
			}
			out = append(out, sub...)
		}
	}
	return out, true
}

func hasObjectKeywords(s map[string]any) bool {
	_, p := s["properties"]
	_, r := s["required"]
	_, a := s["additionalProperties"]
	return p || r || a
}

func closedObject(s map[string]any) bool {
	_, hasProps := s["properties"].(map[string]any)
	return hasProps && s["additionalProperties"] == false
}

// btcpayContract is the repaired description, loaded once per test binary:
// parsing and checking 440 kB of OpenAPI is worth doing only once.
type btcpayContract struct {
	json   []byte // the repaired document, for Prism
	doc    *openapi3.T
	router routers.Router
	// webhooks maps a webhook type (InvoiceSettled, …) to the schema of
	// its body in components/schemas, as the description's x-webhooks say.
	webhooks map[string]string
	// schemaOptions apply to every validation against doc.
	schemaOptions []openapi3.SchemaValidationOption
}

var btcpayLoaded struct {
	once sync.Once
	c    *btcpayContract
	err  error
}

// btcpayDescription returns the repaired description, failing the test if
// it cannot be loaded (it is in the repository, so that is a bug here).
func btcpayDescription(t testing.TB) *btcpayContract {
	t.Helper()
	btcpayLoaded.once.Do(func() { btcpayLoaded.c, btcpayLoaded.err = loadBTCPayContract() })
	if btcpayLoaded.err != nil {
		t.Fatalf("BTCPay description: %v", btcpayLoaded.err)
	}
	return btcpayLoaded.c
}

// decimalFormat is the fake's reading of the description's "decimal"
// string format (amounts): what BTCPay's parser takes from a client that
// is not being odd, such as "5", "5.00", "0.5".
const decimalFormat = `^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`

// componentName is what OpenAPI allows as the name of a component.
var componentName = regexp.MustCompile(`^[a-zA-Z0-9._-]+$`)

func loadBTCPayContract() (*btcpayContract, error) {
	raw, err := RepairBTCPaySpec(btcpayspec.OpenAPI)
	if err != nil {
		return nil, err
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("loading the repaired description: %w", err)
	}
	// One component parameter is named "Subscriptions/Currency", which
	// OpenAPI does not allow ('/' is not in [a-zA-Z0-9._-]). Nothing refers
	// to it (the $ref that would was inlined upstream, see btcpayspec's
	// README), so it is dropped rather than failing the check.
	for name := range doc.Components.Parameters {
		if !componentName.MatchString(name) {
			delete(doc.Components.Parameters, name)
		}
	}
	// Unknown formats (decimal, unix-time, minutes, …) are allowed: the
	// description uses many, and only the ones defined below are checked.
	// Defaults are not checked (one is 30 for a string property of pull
	// payments), nor examples: no traffic depends on either.
	if err := doc.Validate(loader.Context, openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(), openapi3.EnableMultiError()); err != nil {
		return nil, fmt.Errorf("checking the repaired description: %w", err)
	}
	doc.SetStringFormatValidator("decimal", openapi3.NewRegexpFormatValidator(decimalFormat))
	// Unix times and minutes are numbers of format int32 in the
	// description; kin-openapi checks int32 on integers only, Prism on
	// numbers too. The fake agrees with Prism: 2.5 minutes is refused.
	doc.SetNumberFormatValidator("int32", openapi3.NewCallbackValidator(func(v float64) error {
		if v != math.Trunc(v) || v < math.MinInt32 || v > math.MaxInt32 {
			return fmt.Errorf("%v is not an int32", v)
		}
		return nil
	}))
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("routing the repaired description: %w", err)
	}
	c := &btcpayContract{json: raw, doc: doc, router: router, webhooks: map[string]string{}}
	// Errors name the reason and where, not the schema: InvoiceData's
	// printed in full would bury the one line that matters.
	c.schemaOptions = append(doc.GetSchemaValidationOptions(),
		openapi3.DisableSchemaErrorDetails(), openapi3.MultiErrors())

	// x-webhooks is an extension kin-openapi does not resolve; read which
	// schema each webhook body has from the JSON.
	var top struct {
		Webhooks map[string]struct {
			Post struct {
				RequestBody struct {
					Content map[string]struct {
						Schema struct {
							Ref string `json:"$ref"`
						} `json:"schema"`
					} `json:"content"`
				} `json:"requestBody"`
			} `json:"post"`
		} `json:"x-webhooks"`
	}
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("reading the description's x-webhooks: %w", err)
	}
	for typ, w := range top.Webhooks {
		name, ok := strings.CutPrefix(w.Post.RequestBody.Content["application/json"].Schema.Ref, "#/components/schemas/")
		if ok && doc.Components.Schemas[name] != nil {
			c.webhooks[typ] = name
		}
	}
	return c, nil
}

// validateWebhook checks a webhook body against the schema the description
// gives its type.
func (c *btcpayContract) validateWebhook(typ string, body []byte) error {
	name, ok := c.webhooks[typ]
	if !ok {
		return fmt.Errorf("the description has no webhook %q", typ)
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("webhook %s body: %w", typ, err)
	}
	if err := c.doc.Components.Schemas[name].Value.VisitJSON(v, c.schemaOptions...); err != nil {
		return fmt.Errorf("webhook %s body against components/schemas/%s: %w", typ, name, err)
	}
	return nil
}

// BTCPayFake is a BTCPay Server with one store and one API key, serving
// the Greenfield invoice endpoints from memory. Every API request it
// receives and every response it gives is checked against the repaired
// description; a request that breaks it is answered 400 and fails the
// test, as does a response of the fake's own that breaks it.
type BTCPayFake struct {
	URL       string // http://127.0.0.1:PORT, the server's base URL
	StoreID   string
	APIKey    string // sent as "Authorization: token APIKey"
	WebhookID string // the store's webhook, named in webhook bodies

	t        testing.TB
	contract *btcpayContract
	filter   *openapi3filter.Options

	mu       sync.Mutex
	invoices []*FakeInvoice // in creation order
	byID     map[string]*FakeInvoice
	down     bool
	revoked  bool
	requests int
}

// FakeInvoice is an invoice as the fake keeps it.
type FakeInvoice struct {
	ID, StoreID, Amount, Currency, Status, AdditionalStatus, CheckoutLink string
	// PaidAmount follows Status and AdditionalStatus (see SetStatus).
	PaidAmount string
	Metadata   map[string]any
	Checkout   map[string]any // the checkout options as sent (redirectURL, …)
	// CreatedTime and ExpirationTime are unix seconds.
	CreatedTime, ExpirationTime int64

	topUp bool // created with no amount: the buyer pays what they like
}

// The statuses of the description's InvoiceStatus and
// InvoiceAdditionalStatus.
var (
	btcpayStatuses           = []string{"New", "Processing", "Expired", "Invalid", "Settled"}
	btcpayAdditionalStatuses = []string{"None", "PaidLate", "PaidPartial", "Marked", "Invalid", "PaidOver"}
)

// NewBTCPayFake starts the fake on a loopback port for one store and one
// API key; it is closed when the test ends.
func NewBTCPayFake(t testing.TB) *BTCPayFake {
	t.Helper()
	f := &BTCPayFake{
		t:         t,
		contract:  btcpayDescription(t),
		StoreID:   base58ID(44),
		APIKey:    hexID(20),
		WebhookID: base58ID(22),
	}
	f.filter = &openapi3filter.Options{
		AuthenticationFunc:      f.authenticate,
		SchemaValidationOptions: f.contract.schemaOptions,
		// The request stays as sent: kin-openapi would otherwise write the
		// description's defaults into its query and body.
		SkipSettingDefaults: true,
	}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	f.URL = srv.URL
	return f
}

// base58ID returns n random characters of Bitcoin's base58 alphabet, the
// one BTCPay's store and invoice ids are made of.
func base58ID(n int) string {
	const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

func hexID(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Invoice returns the invoice with that id.
func (f *BTCPayFake) Invoice(id string) (FakeInvoice, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	inv := f.find(id)
	if inv == nil {
		return FakeInvoice{}, false
	}
	return inv.clone(), true
}

// Invoices returns every invoice, in creation order.
func (f *BTCPayFake) Invoices() []FakeInvoice {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]FakeInvoice, len(f.invoices))
	for i, inv := range f.invoices {
		out[i] = inv.clone()
	}
	return out
}

// clone copies the maps too, so a test holding a FakeInvoice cannot race
// with the server.
func (inv *FakeInvoice) clone() FakeInvoice {
	c := *inv
	c.Metadata = maps.Clone(inv.Metadata)
	c.Checkout = maps.Clone(inv.Checkout)
	return c
}

func (f *BTCPayFake) find(id string) *FakeInvoice {
	if inv, ok := f.byID[id]; ok {
		return inv
	}
	for _, inv := range f.invoices {
		if inv.ID == id {
			return inv
		}
	}
	return nil
}

// SetStatus changes an invoice's status (New, Processing, Expired, Invalid,
// Settled) and additional status (None, PaidLate, PaidPartial, Marked,
// Invalid, PaidOver), as payments or a merchant's marking would, and its
// paid amount with them: the amount for Settled and Processing (and
// PaidLate), half of it for PaidPartial, a tenth more for PaidOver, zero
// otherwise.
func (f *BTCPayFake) SetStatus(id, status, additional string) {
	f.t.Helper()
	if !slices.Contains(btcpayStatuses, status) {
		f.t.Fatalf("BTCPayFake.SetStatus: status %q is not one of %v", status, btcpayStatuses)
	}
	if !slices.Contains(btcpayAdditionalStatuses, additional) {
		f.t.Fatalf("BTCPayFake.SetStatus: additional status %q is not one of %v", additional, btcpayAdditionalStatuses)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	inv := f.find(id)
	if inv == nil {
		f.t.Fatalf("BTCPayFake.SetStatus: no invoice %q", id)
	}
	inv.Status, inv.AdditionalStatus = status, additional
	inv.PaidAmount = paidAmount(inv.Amount, status, additional)
}

// paidAmount is what a buyer has paid of amount for an invoice in that
// state.
func paidAmount(amount, status, additional string) string {
	a, ok := new(big.Rat).SetString(amount)
	if !ok {
		return "0"
	}
	switch {
	case additional == "PaidOver":
		return decimalString(a.Mul(a, big.NewRat(11, 10)))
	case additional == "PaidPartial":
		return decimalString(a.Mul(a, big.NewRat(1, 2)))
	case status == "Settled" || status == "Processing" || additional == "PaidLate":
		return amount
	default:
		return "0"
	}
}

// decimalString writes r with no more decimals than it needs (at most 8,
// a satoshi).
func decimalString(r *big.Rat) string {
	if r.IsInt() {
		return r.Num().String()
	}
	s := strings.TrimRight(r.FloatString(8), "0")
	return strings.TrimSuffix(s, ".")
}

// AddInvoice adds an invoice that was not created through the API (by the
// store's point of sale, say, or one a test pretends was). Empty fields
// get the defaults an API-created invoice would have; it returns the id.
func (f *BTCPayFake) AddInvoice(inv FakeInvoice) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if inv.ID == "" {
		inv.ID = base58ID(22)
	}
	if inv.StoreID == "" {
		inv.StoreID = f.StoreID
	}
	if inv.Amount == "" {
		inv.Amount = "0"
	}
	if inv.Currency == "" {
		inv.Currency = "USD"
	}
	if inv.Status == "" {
		inv.Status = "New"
	}
	if inv.AdditionalStatus == "" {
		inv.AdditionalStatus = "None"
	}
	if inv.PaidAmount == "" {
		inv.PaidAmount = paidAmount(inv.Amount, inv.Status, inv.AdditionalStatus)
	}
	if inv.CheckoutLink == "" {
		inv.CheckoutLink = f.URL + "/i/" + inv.ID
	}
	if inv.Metadata == nil {
		inv.Metadata = map[string]any{}
	}
	if inv.CreatedTime == 0 {
		inv.CreatedTime = time.Now().Unix()
	}
	if inv.ExpirationTime == 0 {
		inv.ExpirationTime = inv.CreatedTime + 15*60
	}
	c := inv.clone()
	f.invoices = append(f.invoices, &c)
	if f.byID == nil {
		f.byID = map[string]*FakeInvoice{}
	}
	f.byID[c.ID] = &c
	return inv.ID
}

// SetDown makes every request answer 503, as the proxy in front of a
// stopped BTCPay would (true), or the server answer again (false).
func (f *BTCPayFake) SetDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
}

// RevokeKey makes the API key stop working, as when the merchant deletes
// it: every API request is then answered 401.
func (f *BTCPayFake) RevokeKey() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.revoked = true
}

// Requests returns how many API requests the fake received, those it
// refused included.
func (f *BTCPayFake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// SignBTCPay returns the BTCPay-Sig header BTCPay sends with a webhook
// body: "sha256=" and the hex HMAC-SHA256 of the body with the webhook's
// secret.
func SignBTCPay(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// WebhookBody returns the body BTCPay would deliver for an event of that
// type (InvoiceCreated, InvoiceReceivedPayment, InvoiceProcessing,
// InvoiceExpired, InvoiceSettled, InvoiceInvalid, InvoicePaymentSettled)
// about the invoice in its present state. The body is checked against the
// description; it fails the test if it breaks it, so call it from the
// test's goroutine.
func (f *BTCPayFake) WebhookBody(typ, invoiceID string) []byte {
	f.t.Helper()
	inv, ok := f.Invoice(invoiceID)
	if !ok {
		f.t.Fatalf("BTCPayFake.WebhookBody: no invoice %q", invoiceID)
	}
	now := time.Now().Unix()
	delivery := base58ID(22)
	ev := map[string]any{
		"deliveryId":         delivery,
		"webhookId":          f.WebhookID,
		"originalDeliveryId": delivery,
		"isRedelivery":       false,
		"type":               typ,
		"timestamp":          now,
		"storeId":            inv.StoreID,
		"invoiceId":          inv.ID,
		"metadata":           inv.Metadata,
	}
	switch typ {
	case "InvoiceCreated":
	case "InvoiceSettled":
		ev["manuallyMarked"] = inv.AdditionalStatus == "Marked"
		ev["overPaid"] = inv.AdditionalStatus == "PaidOver"
	case "InvoiceProcessing":
		ev["overPaid"] = inv.AdditionalStatus == "PaidOver"
	case "InvoiceExpired":
		ev["partiallyPaid"] = inv.AdditionalStatus == "PaidPartial"
	case "InvoiceInvalid":
		ev["manuallyMarked"] = inv.AdditionalStatus == "Marked"
	case "InvoiceReceivedPayment", "InvoicePaymentSettled":
		status := "Processing"
		if typ == "InvoicePaymentSettled" {
			status = "Settled"
		}
		value := inv.PaidAmount
		if value == "0" {
			value = inv.Amount
		}
		ev["afterExpiration"] = now > inv.ExpirationTime
		ev["paymentMethodId"] = "BTC-CHAIN"
		ev["payment"] = map[string]any{
			"id":           hexID(32) + "-0",
			"receivedDate": now,
			"value":        value,
			"fee":          "0",
			"status":       status,
			"destination":  "bcrt1q" + strings.ToLower(base58ID(38)),
		}
	default:
		f.t.Fatalf("BTCPayFake.WebhookBody: the fake makes no %q webhooks", typ)
	}
	return f.webhookJSON(typ, ev)
}

// Redelivery returns a webhook body as BTCPay's "redeliver" sends it
// again: a new deliveryId and timestamp, originalDeliveryId the first
// delivery's, isRedelivery true.
func (f *BTCPayFake) Redelivery(body []byte) []byte {
	f.t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var ev map[string]any
	if err := dec.Decode(&ev); err != nil {
		f.t.Fatalf("BTCPayFake.Redelivery: %v", err)
	}
	if _, ok := ev["originalDeliveryId"]; !ok {
		ev["originalDeliveryId"] = ev["deliveryId"]
	}
	ev["deliveryId"] = base58ID(22)
	ev["isRedelivery"] = true
	ev["timestamp"] = time.Now().Unix()
	typ, _ := ev["type"].(string)
	return f.webhookJSON(typ, ev)
}

func (f *BTCPayFake) webhookJSON(typ string, ev map[string]any) []byte {
	f.t.Helper()
	body, err := json.Marshal(ev)
	if err != nil {
		f.t.Fatalf("BTCPayFake: webhook %s: %v", typ, err)
	}
	if err := f.contract.validateWebhook(typ, body); err != nil {
		f.t.Fatalf("BTCPay contract: the fake's webhook breaks the description: %v\n%s", err, body)
	}
	return body
}

// authenticate is kin-openapi's check of a security requirement: the fake
// takes its API key and nothing else (not Basic).
func (f *BTCPayFake) authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "API_Key" {
		return fmt.Errorf("the fake accepts API keys, not %s", in.SecuritySchemeName)
	}
	if !f.keyWorks(in.RequestValidationInput.Request) {
		return errors.New("not the store's API key")
	}
	return nil
}

func (f *BTCPayFake) keyWorks(r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return !f.revoked && r.Header.Get("Authorization") == "token "+f.APIKey
}

func (f *BTCPayFake) serve(w http.ResponseWriter, r *http.Request) {
	api := strings.HasPrefix(r.URL.Path, "/api/")
	f.mu.Lock()
	if api {
		f.requests++
	}
	down := f.down
	f.mu.Unlock()
	if down {
		// What nginx says for an upstream that is gone: not BTCPay's JSON.
		http.Error(w, "503 Service Temporarily Unavailable", http.StatusServiceUnavailable)
		return
	}
	if id, ok := strings.CutPrefix(r.URL.Path, "/i/"); ok && r.Method == http.MethodGet {
		f.checkoutPage(w, id)
		return
	}
	f.serveAPI(w, r)
}

// checkoutPage stands for BTCPay's checkout, where a buyer is sent to pay.
func (f *BTCPayFake) checkoutPage(w http.ResponseWriter, id string) {
	inv, ok := f.Invoice(id)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		fmt.Fprintf(w, "<!doctype html><title>Not found</title><p>No invoice %s\n", html.EscapeString(id))
		return
	}
	fmt.Fprintf(w, "<!doctype html><title>BTCPay checkout</title><p>BTCPay checkout for invoice %s: %s %s, %s\n",
		html.EscapeString(inv.ID), html.EscapeString(inv.Amount), html.EscapeString(inv.Currency), html.EscapeString(inv.Status))
}

// fakeCall is an API request being answered.
type fakeCall struct {
	in *openapi3filter.RequestValidationInput
	// target is the method and URI as received, for messages: kin-openapi
	// may rewrite the request's.
	target string
}

// problem is BTCPay's ProblemDetails error body.
type problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// violation is an item of BTCPay's ValidationProblemDetails.
type violation struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

func (f *BTCPayFake) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	target := r.Method + " " + r.URL.RequestURI()

	route, params, err := f.contract.router.FindRoute(r)
	if err != nil {
		f.t.Errorf("BTCPay contract: request %s is not in the description: %v", target, err)
		status := http.StatusNotFound
		if errors.Is(err, routers.ErrMethodNotAllowed) {
			status = http.StatusMethodNotAllowed
		}
		writeJSON(w, status, problem{Code: "not-found", Message: err.Error()})
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: f.filter}
	c := &fakeCall{in: in, target: target}

	// Authentication first, as BTCPay's middleware does: a request with no
	// or a dead key is refused before anything looks at it, and that is
	// not a breach of the description.
	security := route.Operation.Security
	if security == nil {
		security = &f.contract.doc.Security
	}
	if len(*security) > 0 && !f.keyWorks(r) {
		f.respond(w, c, http.StatusUnauthorized, problem{
			Code: "unauthenticated", Message: "Authentication is required for accessing this endpoint",
		})
		return
	}

	if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
		f.t.Errorf("BTCPay contract: request %s breaks the description: %v", target, err)
		writeJSON(w, http.StatusBadRequest, violations(err))
		return
	}

	switch route.Operation.OperationID {
	case "Invoices_CreateInvoice":
		f.createInvoice(w, c, params["storeId"], body)
	case "Invoices_GetInvoice":
		f.getInvoice(w, c, params["invoiceId"])
	case "Invoices_GetInvoices":
		f.listInvoices(w, c, params["storeId"])
	default:
		f.t.Errorf("BTCPay fake: %s is %s in the description, which the fake does not serve", target, route.Operation.OperationID)
		writeJSON(w, http.StatusNotImplemented, problem{Code: "not-implemented", Message: "the fake does not serve " + route.Operation.OperationID})
	}
}

// violations turns kin-openapi's verdict into the ValidationProblemDetails
// BTCPay answers a bad request with: where, and what is wrong there.
func violations(err error) []violation {
	var errs []error
	var me openapi3.MultiError
	if errors.As(err, &me) {
		errs = me
	} else {
		errs = []error{err}
	}
	var out []violation
	for _, e := range errs {
		v := violation{Message: e.Error()}
		var re *openapi3filter.RequestError
		var se *openapi3.SchemaError
		switch {
		case errors.As(e, &re) && re.Parameter != nil:
			v.Path = re.Parameter.Name
		case errors.As(e, &se):
			v.Path = strings.Join(se.JSONPointer(), ".")
		}
		out = append(out, v)
	}
	return out
}

// permissionProblem is BTCPay's 403 for a key without the operation's
// permission; a key of another store's owner has none of this store's.
func (f *BTCPayFake) permissionProblem(c *fakeCall) problem {
	perm := "unrestricted"
	if sec := c.in.Route.Operation.Security; sec != nil {
		for _, req := range *sec {
			if scopes := req["API_Key"]; len(scopes) > 0 {
				perm = scopes[0]
			}
		}
	}
	return problem{
		Code:    "missing-permission",
		Message: fmt.Sprintf("Insufficient API Permissions. Please use an API key with permission %q.", perm),
	}
}

func (f *BTCPayFake) createInvoice(w http.ResponseWriter, c *fakeCall, storeID string, body []byte) {
	if storeID != f.StoreID {
		f.respond(w, c, http.StatusForbidden, f.permissionProblem(c))
		return
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // metadata is echoed as sent, numbers and all
	var req struct {
		Amount   *string        `json:"amount"`
		Currency *string        `json:"currency"`
		Metadata map[string]any `json:"metadata"`
		Checkout map[string]any `json:"checkout"`
	}
	if err := dec.Decode(&req); err != nil {
		// The description was satisfied, so this is the fake's own bug.
		f.t.Errorf("BTCPay fake: decoding a valid create-invoice body: %v", err)
		writeJSON(w, http.StatusInternalServerError, problem{Code: "fake-bug", Message: err.Error()})
		return
	}
	amount := "0"
	if req.Amount != nil {
		amount = *req.Amount
	}
	if a, ok := new(big.Rat).SetString(amount); !ok || a.Sign() < 0 {
		f.respond(w, c, http.StatusBadRequest, []violation{{Path: "amount", Message: "The amount should be 0 or more."}})
		return
	}
	currency := "USD" // the store's default currency
	if req.Currency != nil && strings.TrimSpace(*req.Currency) != "" {
		currency = strings.ToUpper(strings.TrimSpace(*req.Currency))
	}
	now := time.Now().Unix()
	expiry := int64(15 * 60)
	if m, ok := minutes(req.Checkout["expirationMinutes"]); ok {
		expiry = int64(m * 60)
	}
	inv := FakeInvoice{
		Amount:         amount,
		Currency:       currency,
		Metadata:       req.Metadata,
		Checkout:       req.Checkout,
		CreatedTime:    now,
		ExpirationTime: now + expiry,
		topUp:          req.Amount == nil,
	}
	id := f.AddInvoice(inv)
	created, _ := f.Invoice(id)
	f.respond(w, c, http.StatusOK, f.invoiceData(created))
}

// minutes reads a number of minutes from a decoded JSON value.
func minutes(v any) (float64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	m, err := n.Float64()
	return m, err == nil && m > 0
}

// invoiceData is an invoice as the API shows it (InvoiceData).
func (f *BTCPayFake) invoiceData(inv FakeInvoice) map[string]any {
	typ := "Standard"
	if inv.topUp {
		typ = "TopUp"
	}
	// BTCPay shows the checkout options in force, the store's defaults
	// for those not sent.
	checkout := map[string]any{
		"speedPolicy":           "MediumSpeed",
		"expirationMinutes":     (inv.ExpirationTime - inv.CreatedTime) / 60,
		"monitoringMinutes":     1440,
		"paymentTolerance":      0,
		"redirectAutomatically": false,
		"redirectURL":           nil,
		"defaultLanguage":       nil,
	}
	for k, v := range inv.Checkout {
		if v != nil { // null asks for the store's default
			checkout[k] = v
		}
	}
	monitoring := inv.ExpirationTime + 1440*60
	if m, ok := minutes(inv.Checkout["monitoringMinutes"]); ok {
		monitoring = inv.ExpirationTime + int64(m*60)
	}
	var marking []string
	for _, s := range []string{"Settled", "Invalid"} {
		if s != inv.Status {
			marking = append(marking, s)
		}
	}
	metadata := inv.Metadata
	if metadata == nil {
		metadata = map[string]any{}
	}
	return map[string]any{
		"id":                                inv.ID,
		"storeId":                           inv.StoreID,
		"amount":                            inv.Amount,
		"paidAmount":                        inv.PaidAmount,
		"currency":                          inv.Currency,
		"type":                              typ,
		"checkoutLink":                      inv.CheckoutLink,
		"createdTime":                       inv.CreatedTime,
		"expirationTime":                    inv.ExpirationTime,
		"monitoringExpiration":              monitoring,
		"status":                            inv.Status,
		"additionalStatus":                  inv.AdditionalStatus,
		"availableStatusesForManualMarking": marking,
		"archived":                          false,
		"metadata":                          metadata,
		"checkout":                          checkout,
	}
}

func (f *BTCPayFake) getInvoice(w http.ResponseWriter, c *fakeCall, id string) {
	inv, ok := f.Invoice(id)
	switch {
	case !ok:
		f.respond(w, c, http.StatusNotFound, problem{Code: "invoice-not-found", Message: "The invoice was not found"})
	case inv.StoreID != f.StoreID:
		f.respond(w, c, http.StatusForbidden, f.permissionProblem(c))
	default:
		f.respond(w, c, http.StatusOK, f.invoiceData(inv))
	}
}

// listInvoices answers GET /api/v1/stores/{storeId}/invoices: filtered by
// status, orderId (both repeatable), startDate and endDate (on createdTime,
// both inclusive), newest first, then skip and take.
func (f *BTCPayFake) listInvoices(w http.ResponseWriter, c *fakeCall, storeID string) {
	if storeID != f.StoreID {
		f.respond(w, c, http.StatusForbidden, f.permissionProblem(c))
		return
	}
	q := c.in.Request.URL.Query()
	statuses, orderIDs := q["status"], q["orderId"]
	// The description gives status as one InvoiceStatus, though it says
	// "array of statuses" and BTCPay takes several (status=New&status=
	// Settled); kin-openapi checks only the first, so the rest are checked
	// here.
	for _, s := range statuses[min(1, len(statuses)):] {
		if !slices.Contains(btcpayStatuses, s) {
			f.t.Errorf("BTCPay contract: request %s breaks the description: status %q is not one of %v", c.target, s, btcpayStatuses)
			writeJSON(w, http.StatusBadRequest, []violation{{Path: "status", Message: fmt.Sprintf("%q is not an invoice status", s)}})
			return
		}
	}
	start, hasStart := queryNumber(q.Get("startDate"))
	end, hasEnd := queryNumber(q.Get("endDate"))
	skip, _ := queryNumber(q.Get("skip"))
	take, hasTake := queryNumber(q.Get("take"))

	all := f.Invoices()
	list := []any{}
	for i := len(all) - 1; i >= 0; i-- {
		inv := all[i]
		switch {
		case inv.StoreID != f.StoreID,
			len(statuses) > 0 && !slices.Contains(statuses, inv.Status),
			len(orderIDs) > 0 && !slices.Contains(orderIDs, fmt.Sprint(inv.Metadata["orderId"])),
			hasStart && float64(inv.CreatedTime) < start,
			hasEnd && float64(inv.CreatedTime) > end:
			continue
		}
		list = append(list, f.invoiceData(inv))
	}
	// Creation order already is newest first for equal times; a stable sort
	// keeps that for invoices made in the same second.
	slices.SortStableFunc(list, func(a, b any) int {
		return int(b.(map[string]any)["createdTime"].(int64) - a.(map[string]any)["createdTime"].(int64))
	})
	if n := int(skip); n > 0 {
		list = list[min(n, len(list)):]
	}
	if n := int(take); hasTake && n >= 0 && n < len(list) {
		list = list[:n]
	}
	f.respond(w, c, http.StatusOK, list)
}

func queryNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	n, err := strconv.ParseFloat(s, 64)
	return n, err == nil
}

// respond sends a JSON answer after checking it against the description:
// the fake must not teach the code under test a BTCPay that does not exist.
func (f *BTCPayFake) respond(w http.ResponseWriter, c *fakeCall, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		f.t.Errorf("BTCPay fake: encoding a response: %v", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	header := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: c.in,
		Status:                 status,
		Header:                 header,
		Options:                f.filter,
	}
	out.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(c.in.Request.Context(), out); err != nil {
		f.t.Errorf("BTCPay contract: the fake's %d answer to %s breaks the description: %v", status, c.target, err)
	}
	maps.Copy(w.Header(), header)
	w.WriteHeader(status)
	w.Write(body)
}

// writeJSON answers without checking the answer: for the fake's reports of
// a request that broke the description, which BTCPay would not send.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
