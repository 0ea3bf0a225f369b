package site

import (
	"github.com/valyala/fasthttp"

	"github.com/samizdat-press/samizdat/internal/revenue"
)

const (
	cookiePrompt    = revenue.PromptCookie
	cookieSupporter = revenue.SupporterCookie
	// promptCookieAttrs are the attributes cookie() sets, as header text.
	promptCookieAttrs = "; Path=/; Max-Age=" + promptCookieMaxAgeText + "; HttpOnly; SameSite=Lax"
)

var hdrSetCookie = []byte("Set-Cookie")

// servePrompted is the fast path for an article while prompts run: the
// reader's page variant is computed from the two cookies (one HMAC each,
// only when present), the page is looked up under its variant's key, as
// cached() stores it, and the reader's state cookie is renewed. handled is
// false when no prompt runs (the page has no variants).
func (f *FastPath) servePrompted(ctx *fasthttp.RequestCtx, pr *prompts, uri *fasthttp.URI) (route string, status int, ok, handled bool) {
	now := f.site.now()
	rs := pr.reader(ctx.Request.Header.Cookie(cookiePrompt), ctx.Request.Header.Cookie(cookieSupporter), now)
	if !rs.snap.Active() {
		return "", 0, false, false
	}
	// The key as cacheKey makes it: the path, "?page=N" on later pages of
	// a list, then the variant.
	var buf [256]byte
	key := append(buf[:0], uri.Path()...)
	if len(uri.QueryString()) > 0 {
		if page := uri.QueryArgs().Peek("page"); len(page) > 0 && string(page) != "1" {
			key = append(append(key, "?page="...), page...)
		}
	}
	key = append(key, variantSuffix[rs.code]...)
	e := f.site.cache.peekBytes(key)
	if e == nil {
		return "", 0, false, true
	}
	route, status, ok = f.serveEntryWith(ctx, e, f.promptHeaders)
	if ctx.IsGet() {
		var buf [320]byte
		b := append(buf[:0], cookiePrompt+"="...)
		if v := pr.served(b, e, rs, now); len(v) > len(b) {
			v = append(v, promptCookieAttrs...)
			if pr.Secure {
				v = append(v, "; Secure"...)
			}
			ctx.Response.Header.SetCanonical(hdrSetCookie, v)
		}
	}
	return route, status, ok, true
}
