package site

import (
	"github.com/valyala/fasthttp"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

var (
	hdrCacheControl = []byte("Cache-Control")
	hdrVary         = []byte("Vary")
	valNoCache      = []byte(promptCacheControl[0])
	valPromptVary   = []byte(promptVary[0])
	cookiePrompt    = revenue.PromptCookie
	cookieSupporter = revenue.SupporterCookie
)

// servePrompted is the fast path for an article while prompts run: the
// reader's page variant is computed from the two cookies (one HMAC each,
// only when present), the page is looked up under its variant's key, as
// cached() stores it, and the reader's state cookie is renewed. handled is
// false when no prompt runs (the page has no variants).
func (f *FastPath) servePrompted(ctx *fasthttp.RequestCtx, pr *prompts, path []byte) (route string, status int, ok, handled bool) {
	now := f.site.now()
	rs := pr.reader(ctx.Request.Header.Cookie(cookiePrompt), ctx.Request.Header.Cookie(cookieSupporter), now)
	if !rs.snap.Active() {
		return "", 0, false, false
	}
	var buf [256]byte
	key := append(append(buf[:0], path...), variantSuffix[rs.code]...)
	e := f.site.cache.peekBytes(key)
	if e == nil {
		return "", 0, false, true
	}
	route, status, ok = f.serveEntry(ctx, e)
	h := &ctx.Response.Header
	h.SetCanonical(hdrCacheControl, valNoCache)
	h.SetCanonical(hdrVary, valPromptVary)
	if ctx.IsGet() {
		c := fasthttp.AcquireCookie()
		c.SetKey(cookiePrompt)
		c.SetValue(pr.served(e, rs, now))
		c.SetPath("/")
		c.SetMaxAge(promptCookieMaxAge)
		c.SetHTTPOnly(true)
		c.SetSecure(pr.Secure)
		c.SetSameSite(fasthttp.CookieSameSiteLaxMode)
		h.SetCookie(c)
		fasthttp.ReleaseCookie(c)
	}
	return route, status, ok, true
}
