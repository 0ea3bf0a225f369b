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
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/secret"
)

// NewsletterStore is what newsletters need from storage (*store.Store).
type NewsletterStore interface {
	Subscribe(ctx context.Context, email, lang string, lists []string, confirmHash string, now time.Time) (bool, error)
	ConfirmSubscription(ctx context.Context, confirmHash string, now time.Time) ([]string, error)
	Unsubscribe(ctx context.Context, id, send int64, now time.Time) (string, error)
	NewsletterSubscription(ctx context.Context, id int64) (Subscriber, error)
	SendNewsletter(ctx context.Context, send Send, build func(sendID int64, sub Subscriber) (Message, error)) (int, error)
	EnqueueMail(ctx context.Context, msgs ...Message) error
	IssueStore
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
	// confirmSend signs the confirmation page of an issue's send.
	confirmSend *secret.Signer
	renderer    *content.Renderer
	text        map[string]*texttemplate.Template // per language
	html        map[string]*htmltemplate.Template
	catalog     *i18n.Catalog
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
		// The site's renderer and sanitizer, as for article bodies.
		confirmSend: secret.NewSigner(cfg.Keys, "newsletter send confirm"),
		renderer:    content.NewRenderer(),
		text:        map[string]*texttemplate.Template{},
		html:        map[string]*htmltemplate.Template{},
		catalog:     i18n.New(cfg.Lang()),
	}
	for _, lang := range i18n.Languages {
		funcs := templateFuncs(n.catalog.Locale(lang))
		funcs["wrap"] = func(s string) string { return strings.Join(wrap(s, TextWidth), "\n") }
		funcs["heading"] = func(s, rule string) string {
			lines := wrap(s, TextWidth)
			return strings.Join(lines, "\n") + "\n" + strings.Repeat(rule, longest(lines))
		}
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
	id, _, err := n.unsubscribeID(token)
	if err != nil {
		return Subscriber{}, err
	}
	return n.cfg.Store.NewsletterSubscription(ctx, id)
}

// unsubscribeID reads a token: the subscription's id, and the send whose
// mail carried the link ("id:send"; links made before sends were named,
// and UnsubscribeToken's, hold the id alone).
func (n *Newsletters) unsubscribeID(token string) (id, send int64, err error) {
	payload, ok := n.unsub.Verify(token)
	if !ok {
		return 0, 0, ErrBadToken
	}
	ids, sends, named := strings.Cut(payload, ":")
	if id, err = strconv.ParseInt(ids, 10, 64); err != nil {
		return 0, 0, ErrBadToken
	}
	if named {
		if send, err = strconv.ParseInt(sends, 10, 64); err != nil {
			return 0, 0, ErrBadToken
		}
	}
	return id, send, nil
}

// Unsubscribe takes the subscription a token names off its list and
// returns the list.
func (n *Newsletters) Unsubscribe(ctx context.Context, token string) (string, error) {
	id, send, err := n.unsubscribeID(token)
	if err != nil {
		return "", err
	}
	return n.cfg.Store.Unsubscribe(ctx, id, send, n.cfg.Now())
}

// item is one article in a newsletter.
type item struct {
	Headline, Dek, URL string
	Byline             string
	Photo              *photo            // nil: the article has none
	Body               htmltemplate.HTML // the body as mail HTML; empty in a digest
	BodyText           string            // the body as wrapped plain text
}

// photo is an article's lead photo in a mail: an absolute URL on this
// site, with its size, so that clients lay the mail out before loading it.
type photo struct {
	URL, Alt, Caption, Credit string
	Width, Height             int
}

type issue struct {
	SiteName, ListName, Title, Lang string
	// Lead: the mail is one story, whose headline is the mail's heading
	// (once: not the subject again above it).
	Lead           bool
	Intro          htmltemplate.HTML
	IntroText      string
	Items          []item
	UnsubscribeURL string
	Mirrors        []string
	Test           bool // a test send to the staff account
}

// MailPhotoWidth is the width of the lead photo in a mail: mail layouts
// are 600 pixels wide.
const MailPhotoWidth = 600

// articleItem is a in a mail, with its lead photo if it has one; full
// adds the byline and body.
func (n *Newsletters) articleItem(a *content.Article, full bool) (item, error) {
	it := item{Headline: a.Headline, Dek: a.Dek, URL: n.cfg.BaseURL + a.Path(), Photo: n.mailPhoto(a.Image)}
	if !full {
		return it, nil
	}
	if len(a.Authors) > 0 {
		names := make([]string, len(a.Authors))
		for i, au := range a.Authors {
			names[i] = au.Name
		}
		it.Byline = n.catalog.Locale(a.Lang).T("By %s", strings.Join(names, ", "))
	}
	body := a.BodyHTML
	var err error
	if it.Body, err = MailHTML(body, n.cfg.BaseURL); err != nil {
		return it, err
	}
	if it.BodyText, err = MailText(body, n.cfg.BaseURL); err != nil {
		return it, err
	}
	return it, nil
}

// mailPhoto is im as a mail shows it: the variant that fills the mail's
// width, on this site's base URL; nil without a photo.
func (n *Newsletters) mailPhoto(im content.Image) *photo {
	if !im.Present() || len(im.Widths) == 0 {
		return nil
	}
	w := im.Widths[0]
	for _, v := range im.Widths {
		// The smallest variant at least as wide as the mail, else the widest.
		if (v >= MailPhotoWidth && (w < MailPhotoWidth || v < w)) || (w < MailPhotoWidth && v > w) {
			w = v
		}
	}
	shown := min(w, MailPhotoWidth)
	h := im.HeightFor(w) * shown / max(w, 1)
	return &photo{URL: n.cfg.BaseURL + "/media/" + im.Key + "/" + media.VariantName(w),
		Alt: im.Alt, Caption: im.Caption, Credit: im.Credit, Width: shown, Height: h}
}

// SendArticle sends one article to the breaking-news list, once: sending
// the same article again returns the store's ErrAlreadySent.
func (n *Newsletters) SendArticle(ctx context.Context, a *content.Article, by int64) (int, error) {
	it, err := n.articleItem(a, true)
	if err != nil {
		return 0, err
	}
	is := issue{Title: a.Headline, Lang: a.Lang, Lead: true, Items: []item{it}}
	subject := n.catalog.Locale(a.Lang).T("Breaking: %s", a.Headline)
	s := Send{List: "breaking", Key: "article:" + strconv.FormatInt(a.ID, 10), ArticleID: a.ID, CreatedBy: by, Subject: subject}
	return n.cfg.Store.SendNewsletter(ctx, s, n.builder(s.List, subject, is))
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
		items[i], _ = n.articleItem(a, false)
	}
	loc := n.catalog.Locale(n.cfg.Lang())
	title := loc.T("The day's stories: %s", loc.Date(day))
	is := issue{Title: title, Lang: loc.Lang(), Items: items}
	s := Send{List: "daily", Key: DigestKey(day), Subject: title}
	return n.cfg.Store.SendNewsletter(ctx, s, n.builder(s.List, title, is))
}

// builder makes each subscriber's copy of is: the same mail with their own
// unsubscribe link, which names the send so its report can count it.
func (n *Newsletters) builder(list, subject string, is issue) func(int64, Subscriber) (Message, error) {
	return func(sendID int64, sub Subscriber) (Message, error) {
		unsub := n.cfg.BaseURL + n.editionPrefix(is.Lang) + "/newsletter/unsubscribe?t=" + n.unsub.Sign(strconv.FormatInt(sub.ID, 10)+":"+strconv.FormatInt(sendID, 10))
		return n.message(list, subject, is, sub.Email, unsub)
	}
}

// message renders is for one recipient, with the headers every newsletter
// mail carries.
func (n *Newsletters) message(list, subject string, is issue, to, unsub string) (Message, error) {
	l, _ := ListByKey(list)
	is.SiteName, is.ListName, is.Mirrors, is.UnsubscribeURL = n.cfg.SiteName(), l.Name, n.cfg.Mirrors(), unsub
	text, html, err := n.render(is.Lang, "newsletter", is)
	if err != nil {
		return Message{}, err
	}
	return Message{To: to, Subject: subject, Text: text, HTML: html, Kind: "newsletter",
		Headers: map[string]string{
			// RFC 8058: mail clients offer an unsubscribe button that
			// POSTs List-Unsubscribe=One-Click to this URL.
			"List-Unsubscribe":      "<" + unsub + ">",
			"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
			"List-Id":               l.Name + " <" + list + ".newsletter." + hostOf(n.cfg.BaseURL) + ">",
		}}, nil
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
