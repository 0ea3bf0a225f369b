package httpx

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Security headers for every response. The slices are shared, never
// modified: assigning them avoids allocating per request on the hot path.
var securityHeaders = map[string][]string{
	"Content-Security-Policy": {"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; " +
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"},
	"X-Content-Type-Options": {"nosniff"},
	"Referrer-Policy":        {"no-referrer"},
	"X-Frame-Options":        {"DENY"},
	"Permissions-Policy":     {"camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"},
}

// SecurityHeaderPairs lists the security headers as name/value pairs, for
// responses written outside net/http (the page cache's fast path).
func SecurityHeaderPairs() [][2]string {
	pairs := make([][2]string, 0, len(securityHeaders))
	for k, v := range securityHeaders {
		pairs = append(pairs, [2]string{k, v[0]})
	}
	return pairs
}

// HSTS is the Strict-Transport-Security value of a site served over HTTPS:
// two years, this host only (mirrors and the onion service are other
// names, each with its own rules).
const HSTS = "max-age=63072000"

// StrictTransport sends Strict-Transport-Security on every response, so a
// browser that once reached the site over HTTPS never again tries plain
// HTTP, where a censor can tamper with the page. Browsers ignore it on
// plain-HTTP responses, so it is safe behind a TLS-terminating proxy.
func StrictTransport(next http.Handler) http.Handler {
	hsts := []string{HSTS}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header()["Strict-Transport-Security"] = hsts
		next.ServeHTTP(w, r)
	})
}

// SecurityHeaders sets the strict headers on every response.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		for k, v := range securityHeaders {
			h[k] = v
		}
		next.ServeHTTP(w, r)
	})
}

// Metrics counts requests by route and status and times them.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	routes   sync.Map // route -> *routeMetrics, so a hit looks up no labels
}

// routeMetrics are one route's series for the common case, status 200.
type routeMetrics struct {
	ok       prometheus.Counter
	duration prometheus.Observer
}

func (m *Metrics) route(route string) *routeMetrics {
	if rm, ok := m.routes.Load(route); ok {
		return rm.(*routeMetrics)
	}
	rm := &routeMetrics{
		ok:       m.requests.WithLabelValues(route, "200"),
		duration: m.duration.WithLabelValues(route),
	}
	actual, _ := m.routes.LoadOrStore(route, rm)
	return actual.(*routeMetrics)
}

// NewMetrics registers the HTTP metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "samizdat_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "samizdat_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// Observe records a request served outside Wrap.
func (m *Metrics) Observe(route string, status int, d time.Duration) {
	rm := m.route(route)
	rm.duration.Observe(d.Seconds())
	if status == http.StatusOK {
		rm.ok.Inc()
		return
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Wrap measures every request served by next. The route label is the
// ServeMux pattern that matched, so label values stay few.
//
// The route is the pattern of mux that r matches: the request the mux sees
// is often a copy (middleware adds context), whose Pattern never reaches r.
func (m *Metrics) Wrap(next http.Handler, mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" && mux != nil {
			_, route = mux.Handler(r)
		}
		if route == "" {
			route = "unmatched"
		}
		rm := m.route(route)
		rm.duration.Observe(time.Since(start).Seconds())
		if sw.status == 0 || sw.status == http.StatusOK {
			rm.ok.Inc()
			return
		}
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
	})
}
