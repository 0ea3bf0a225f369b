package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"net/mail"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/i18n"
	"github.com/samizdat-press/samizdat/internal/secret"
)

// NewsletterStore is what newsletters need from storage (*store.Store).
type NewsletterStore interface {
	Subscribe(ctx context.Context, email, lang string, lists []string, confirmHash string, now time.Time) (bool, error)
	ConfirmSubscription(ctx context.Context, confirmHash string, now time.Time) ([]string, error)
	Unsubscribe(ctx context.Context, id int64, now time.Time) (string, error)
	NewsletterSubscription(ctx context.Context, id int64) (Subscriber, error)
	SendNewsletter(ctx context.Context, send Send, build func(Subscriber) (Message, error)) (int, error)
	EnqueueMail(ctx context.Context, msgs ...Message) error
}

// NewslettersConfig is what NewNewsletters needs.
type NewslettersConfig struct {
	Store    NewsletterStore
	Keys     *secret.Keys
	Web      fs.FS // templates/mail/newsletter*
	BaseURL  string
	SiteName func() string // read at each send: an admin may rename the site
	Lang     func() string // the site's main language: the daily digest's
	// Mirrors lists other addresses of the site for the mail's footer.
	Mirrors func() []string
	Now     func() time.Time
}

// Newsletters subscribes readers with double opt-in and sends them mail
// through the outbox, each with its own one-click unsubscribe link.
type Newsletters struct {
	cfg     NewslettersConfig
	confirm *secret.Signer
	unsub   *secret.Signer
	text    map[string]*texttemplate.Template // per language
	html    map[string]*htmltemplate.Template
	catalog *i18n.Catalog
}

// ConfirmLifetime is how long a confirmation link works.
const ConfirmLifetime = 7 * 24 * time.Hour

// ErrBadToken is a confirmation or unsubscribe link that was altered,
// truncated or has expired.
var ErrBadToken = errors.New("this link is not valid: it may be incomplete or too old")

// NewNewsletters parses the mail templates.
func NewNewsletters(cfg NewslettersConfig) (*Newsletters, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SiteName == nil {
		cfg.SiteName = func() string { return "samizdat" }
	}
	if cfg.Lang == nil {
		cfg.Lang = func() string { return "en" }
	}
	if cfg.Mirrors == nil {
		cfg.Mirrors = func() []string { return nil }
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	n := &Newsletters{
		cfg:     cfg,
		confirm: secret.NewSigner(cfg.Keys, "newsletter confirm"),
		unsub:   secret.NewSigner(cfg.Keys, "unsubscribe"),
		text:    map[string]*texttemplate.Template{},
		html:    map[string]*htmltemplate.Template{},
		catalog: i18n.New(cfg.Lang()),
	}
	for _, lang := range i18n.Languages {
		funcs := templateFuncs(n.catalog.Locale(lang))
		t, err := texttemplate.New("newsletter").Funcs(funcs).ParseFS(cfg.Web, "templates/mail/newsletter*.txt")
		if err != nil {
			return nil, fmt.Errorf("newsletter templates: %w", err)
		}
		h, err := htmltemplate.New("newsletter").Funcs(funcs).ParseFS(cfg.Web, "templates/mail/newsletter*.html")
		if err != nil {
			return nil, fmt.Errorf("newsletter templates: %w", err)
		}
		n.text[lang], n.html[lang] = t, h
	}
	return n, nil
}

// FormError is a reader's mistake in the subscribe form, to show beside
// the field.
type FormError struct {
	Field, Message string
}

func (e *FormError) Error() string { return e.Message }

// CheckAddress parses what a reader typed as their address. Its errors'
// messages are catalog keys (i18n).
func CheckAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", &FormError{"email", "Enter your e-mail address."}
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || len(s) > 254 || !strings.Contains(s[strings.LastIndexByte(s, '@'):], ".") {
		return "", &FormError{"email", "This does not look like an e-mail address: check it for typos (it should look like name@example.org)."}
	}
	return s, nil
}

// RequestSubscription records a pending subscription and mails the link
// that confirms it. An address already confirmed on every list gets no
// mail, and the caller cannot tell: the form must not reveal who reads us.
// The mail is in lang, the language of the form the reader used.
func (n *Newsletters) RequestSubscription(ctx context.Context, email, lang string, lists []string) error {
	email, err := CheckAddress(email)
	if err != nil {
		return err
	}
	var chosen []List
	for _, k := range lists {
		l, ok := ListByKey(k)
		if !ok {
			return &FormError{"lists", "Choose from the newsletters listed."}
		}
		chosen = append(chosen, l)
	}
	if len(chosen) == 0 {
		return &FormError{"lists", "Choose at least one newsletter."}
	}
	raw := make([]byte, 16)
	rand.Read(raw)
	nonce := hex.EncodeToString(raw)
	expires := n.cfg.Now().Add(ConfirmLifetime).Unix()
	token := n.confirm.Sign(nonce + ":" + strconv.FormatInt(expires, 10))
	if !i18n.Supported(lang) {
		lang = n.cfg.Lang()
	}
	need, err := n.cfg.Store.Subscribe(ctx, email, lang, lists, confirmHash(nonce), n.cfg.Now())
	if err != nil || !need {
		return err
	}
	data := struct {
		SiteName   string
		Lists      []List
		ConfirmURL string
		Days       int
	}{n.cfg.SiteName(), chosen, n.cfg.BaseURL + n.editionPrefix(lang) + "/newsletter/confirm?t=" + token, int(ConfirmLifetime / (24 * time.Hour))}
	text, html, err := n.render(lang, "newsletter-confirm", data)
	if err != nil {
		return err
	}
	return n.cfg.Store.EnqueueMail(ctx, Message{To: email, Subject: n.catalog.Locale(lang).T("Confirm your subscription to %s", data.SiteName),
		Text: text, HTML: html, Kind: "newsletter-confirm"})
}

func confirmHash(nonce string) string {
	h := sha256.Sum256([]byte(nonce))
	return hex.EncodeToString(h[:])
}

// Confirm uses a confirmation token and returns the lists confirmed.
func (n *Newsletters) Confirm(ctx context.Context, token string) ([]string, error) {
	payload, ok := n.confirm.Verify(token)
	if !ok {
		return nil, ErrBadToken
	}
	nonce, exp, _ := strings.Cut(payload, ":")
	e, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || n.cfg.Now().Unix() > e {
		return nil, ErrBadToken
	}
	return n.cfg.Store.ConfirmSubscription(ctx, confirmHash(nonce), n.cfg.Now())
}

// UnsubscribeToken is the signed token of one subscription's unsubscribe
// link. It does not expire: RFC 8058 links must keep working.
func (n *Newsletters) UnsubscribeToken(id int64) string {
	return n.unsub.Sign(strconv.FormatInt(id, 10))
}

// UnsubscribeURL is the one-click link of one subscription.
func (n *Newsletters) UnsubscribeURL(id int64) string {
	return n.cfg.BaseURL + "/newsletter/unsubscribe?t=" + n.UnsubscribeToken(id)
}

// Subscription returns the subscription an unsubscribe token names.
func (n *Newsletters) Subscription(ctx context.Context, token string) (Subscriber, error) {
	id, err := n.unsubscribeID(token)
	if err != nil {
		return Subscriber{}, err
	}
	return n.cfg.Store.NewsletterSubscription(ctx, id)
}

func (n *Newsletters) unsubscribeID(token string) (int64, error) {
	payload, ok := n.unsub.Verify(token)
	if !ok {
		return 0, ErrBadToken
	}
	id, err := strconv.ParseInt(payload, 10, 64)
	if err != nil {
		return 0, ErrBadToken
	}
	return id, nil
}

// Unsubscribe takes the subscription a token names off its list and
// returns the list.
func (n *Newsletters) Unsubscribe(ctx context.Context, token string) (string, error) {
	id, err := n.unsubscribeID(token)
	if err != nil {
		return "", err
	}
	return n.cfg.Store.Unsubscribe(ctx, id, n.cfg.Now())
}

// item is one article in a newsletter.
type item struct {
	Headline, Dek, URL string
	Paragraphs         []string
}

type issue struct {
	SiteName, ListName, Title, Lang string
	Items                           []item
	UnsubscribeURL                  string
	Mirrors                         []string
}

// SendArticle sends one article to the breaking-news list, once: sending
// the same article again returns the store's ErrAlreadySent.
func (n *Newsletters) SendArticle(ctx context.Context, a *content.Article, by int64) (int, error) {
	it := item{Headline: a.Headline, Dek: a.Dek, URL: n.cfg.BaseURL + a.Path(), Paragraphs: paragraphs(a.BodyText)}
	return n.send(ctx, Send{List: "breaking", Key: "article:" + strconv.FormatInt(a.ID, 10), ArticleID: a.ID, CreatedBy: by},
		a.Headline, a.Lang, []item{it})
}

// DigestKey names the digest of day (UTC) in newsletter_sends.
func DigestKey(day time.Time) string { return "digest:" + day.UTC().Format("2006-01-02") }

// SendDigest sends the daily digest of day's articles, once across nodes
// and restarts. With no articles it sends nothing (and claims nothing).
func (n *Newsletters) SendDigest(ctx context.Context, day time.Time, articles []*content.Article) (int, error) {
	if len(articles) == 0 {
		return 0, nil
	}
	items := make([]item, len(articles))
	for i, a := range articles {
		items[i] = item{Headline: a.Headline, Dek: a.Dek, URL: n.cfg.BaseURL + a.Path()}
	}
	loc := n.catalog.Locale(n.cfg.Lang())
	title := loc.T("The day's stories: %s", loc.Date(day))
	return n.send(ctx, Send{List: "daily", Key: DigestKey(day)}, title, loc.Lang(), items)
}

func (n *Newsletters) send(ctx context.Context, s Send, title, lang string, items []item) (int, error) {
	list, _ := ListByKey(s.List)
	site := n.cfg.SiteName()
	mirrors := n.cfg.Mirrors()
	subject := title
	if s.List == "breaking" {
		subject = n.catalog.Locale(lang).T("Breaking: %s", title)
	}
	return n.cfg.Store.SendNewsletter(ctx, s, func(sub Subscriber) (Message, error) {
		// The unsubscribe page speaks the mail's language.
		unsub := n.cfg.BaseURL + n.editionPrefix(lang) + "/newsletter/unsubscribe?t=" + n.UnsubscribeToken(sub.ID)
		text, html, err := n.render(lang, "newsletter", issue{SiteName: site, ListName: list.Name, Title: title, Lang: lang,
			Items: items, UnsubscribeURL: unsub, Mirrors: mirrors})
		if err != nil {
			return Message{}, err
		}
		return Message{To: sub.Email, Subject: subject, Text: text, HTML: html, Kind: "newsletter",
			Headers: map[string]string{
				// RFC 8058: mail clients offer an unsubscribe button that
				// POSTs List-Unsubscribe=One-Click to this URL.
				"List-Unsubscribe":      "<" + unsub + ">",
				"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
				"List-Id":               list.Name + " <" + s.List + ".newsletter." + hostOf(n.cfg.BaseURL) + ">",
			}}, nil
	})
}

func hostOf(base string) string {
	h := base
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexAny(h, ":/"); i >= 0 {
		h = h[:i]
	}
	return h
}

// paragraphs splits plain text into its paragraphs.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(text, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (n *Newsletters) render(lang, name string, data any) (text, html string, err error) {
	if !i18n.Supported(lang) {
		lang = n.cfg.Lang()
	}
	var tb, hb bytes.Buffer
	if err := n.text[lang].ExecuteTemplate(&tb, name+".txt", data); err != nil {
		return "", "", fmt.Errorf("render %s.txt: %w", name, err)
	}
	if err := n.html[lang].ExecuteTemplate(&hb, name+".html", data); err != nil {
		return "", "", fmt.Errorf("render %s.html: %w", name, err)
	}
	return tb.String(), hb.String(), nil
}

// editionPrefix is the path prefix of lang's edition of the site.
func (n *Newsletters) editionPrefix(lang string) string {
	return i18n.EditionPrefix(lang, n.cfg.Lang())
}
