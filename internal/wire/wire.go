// Package wire is how requests come off the wire: the fasthttp server that
// production runs, its fast path for cached pages, and the bridge to the
// net/http handlers for everything else. Tests serve their handlers through
// NewServer on a loopback listener (see wiretest), so that they drive the
// code that runs, not only a net/http handler under httptest.
package wire

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"
)

// MaxRequestHead is the longest request line and headers accepted.
const MaxRequestHead = 16 << 10

// FastPath answers what it can without building a net/http request: it
// reports the route and status it served, or ok=false to pass the request
// on to the handler.
type FastPath interface {
	Serve(c *fasthttp.RequestCtx) (route string, status int, ok bool)
}

// Config is what NewServer needs.
type Config struct {
	Handler http.Handler
	Fast    FastPath // nil: every request goes to Handler
	// Observe hears of every request the fast path served; the handler
	// counts its own.
	Observe func(route string, status int, d time.Duration)
	Log     *slog.Logger
	// Base is the context of every request; it should outlive a shutdown,
	// so that requests in flight finish.
	Base context.Context
}

// NewServer returns the fasthttp server production runs.
func NewServer(cfg Config) *fasthttp.Server {
	if cfg.Base == nil {
		cfg.Base = context.Background()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	full := (&bridge{handler: cfg.Handler, base: cfg.Base, log: cfg.Log}).serve
	handler := full
	if cfg.Fast != nil {
		fast, observe := cfg.Fast, cfg.Observe
		handler = func(c *fasthttp.RequestCtx) {
			start := time.Now()
			if route, status, ok := fast.Serve(c); ok {
				if observe != nil {
					observe(route, status, time.Since(start))
				}
				return
			}
			full(c)
		}
	}
	return &fasthttp.Server{
		Handler:                      handler,
		ReadTimeout:                  30 * time.Second,
		WriteTimeout:                 60 * time.Second,
		IdleTimeout:                  120 * time.Second,
		ReadBufferSize:               MaxRequestHead,
		MaxRequestBodySize:           maxBufferedBody, // longer bodies stream to the routes that take them
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true, // the upload route parses its own form, within its limit
		NoDefaultServerHeader:        true,
		CloseOnShutdown:              true,
		Logger:                       logger{cfg.Log},
		ErrorHandler:                 requestError,
	}
}

// requestError answers a request fasthttp could not read, saying what was
// refused.
func requestError(c *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &small):
		c.Error(fmt.Sprintf("Request header fields too large: the request line and headers may hold at most %d KiB.\n", MaxRequestHead>>10),
			http.StatusRequestHeaderFieldsTooLarge)
	case errors.As(err, &netErr) && netErr.Timeout():
		c.Error("Request timeout: the request was not received in time.\n", http.StatusRequestTimeout)
	default:
		c.Error("Bad request: the request could not be read as HTTP/1.1.\n", http.StatusBadRequest)
	}
}

// logger sends fasthttp's messages to slog.
type logger struct{ log *slog.Logger }

func (l logger) Printf(format string, args ...any) { l.log.Warn(fmt.Sprintf(format, args...)) }
