// Package httpx adapts handlers that return errors to net/http, and holds the
// middleware every response passes through.
package httpx

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strconv"
	"syscall"
)

// HandlerFunc is an HTTP handler that returns its failure instead of
// writing it, so the error path stays at the left margin.
type HandlerFunc func(w http.ResponseWriter, r *http.Request) error

// Error is an error with an HTTP status and a message safe to show readers.
type Error struct {
	Status  int
	Message string
	Err     error // the cause, logged, never shown
	// RetryAfter, in seconds, is sent as Retry-After when not zero: how
	// long a refused client should wait (429, 503).
	RetryAfter int
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%d %s: %v", e.Status, e.Message, e.Err)
	}
	return fmt.Sprintf("%d %s", e.Status, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound is the error for a page that does not exist.
func NotFound() error { return &Error{Status: http.StatusNotFound, Message: "Page not found"} }

// BadRequest is the error for input the server cannot use.
func BadRequest(msg string) error { return &Error{Status: http.StatusBadRequest, Message: msg} }

// Busy is the error for a request refused because the server is doing as
// much of that work as it may at once.
func Busy(msg string, retryAfter int) error {
	return &Error{Status: http.StatusServiceUnavailable, Message: msg, RetryAfter: retryAfter}
}

// ErrorPage writes an error page for status with a message for readers.
type ErrorPage func(w http.ResponseWriter, r *http.Request, status int, message string)

// Adapter turns HandlerFuncs into http.Handlers, rendering errors with page
// and logging the ones that are the server's fault.
type Adapter struct {
	Log  *slog.Logger
	Page ErrorPage
}

// Handle adapts h.
func (a *Adapter) Handle(h HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.Log.ErrorContext(r.Context(), "panic", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				a.Error(w, r, fmt.Errorf("panic: %v", v))
			}
		}()
		if err := h(w, r); err != nil {
			a.Error(w, r, err)
		}
	})
}

// Error writes the page for err.
func (a *Adapter) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "Something went wrong on our side. Please try again in a minute."
	var he *Error
	switch {
	case errors.As(err, &he):
		status, msg = he.Status, he.Message
		if he.RetryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(he.RetryAfter))
		}
	case Unavailable(err):
		status, msg = http.StatusServiceUnavailable, "The site cannot reach its database right now. Please try again in a minute."
		w.Header().Set("Retry-After", "30")
	}
	if status >= 500 && (he == nil || he.RetryAfter == 0) { // a refusal under load is not a failure
		a.Log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if r.Context().Err() != nil {
		return // the client went away; nobody will read the page
	}
	a.Page(w, r, status, msg)
}

// Unavailable reports whether err means a dependency (the database) cannot
// be reached, rather than a bug: the answer is then 503, which tells a CDN to
// keep serving its stale copy.
func Unavailable(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, driver.ErrBadConn) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) // a connection cut mid-answer
}

// ParseForm reads a form of at most limit bytes. A longer body is refused
// with 413 saying how much the form may hold, anything unreadable with 400;
// either way nothing past the limit is read.
func ParseForm(w http.ResponseWriter, r *http.Request, limit int64) error {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseForm()
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return &Error{Status: http.StatusRequestEntityTooLarge, Message: "What you sent is larger than this form takes (" + sizeText(limit) + "). Nothing was saved.", Err: err}
	}
	return BadRequest("The form could not be read. Please send it again.")
}

// sizeText says a size in the units a person uses.
func sizeText(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10:
		return strconv.FormatInt(n>>10, 10) + " KB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
