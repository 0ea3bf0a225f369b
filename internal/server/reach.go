package server

import (
	"crypto/ed25519"
	"net"
	"net/http"
	"sync"

	"github.com/samizdat-press/samizdat/internal/mirror"
	"github.com/samizdat-press/samizdat/internal/site"
)

// hosts are the names this instance answers to: the base URL's, the
// mirrors', the onion service's, and the listen address's host.
func (srv *Server) hosts() (*site.Hosts, error) {
	var extra []string
	if h, _, err := net.SplitHostPort(srv.cfg.Addr); err == nil {
		extra = append(extra, h)
	}
	base := srv.cfg.BaseURL
	if base == "" {
		base = "http://localhost"
	}
	return site.NewHosts(base, srv.cfg.MirrorHosts, srv.cfg.OnionHost, extra...)
}

// reachRoutes publishes the public key that signs static exports, so
// readers can check a copy found on any host. The key is created on first
// use, by whichever comes first: this page or an export.
func (srv *Server) reachRoutes(mux *http.ServeMux) error {
	var (
		mu  sync.Mutex
		pub []byte
	)
	mux.Handle("GET /.well-known/samizdat-mirror.pub", srv.Site.Adapter().Handle(func(w http.ResponseWriter, r *http.Request) error {
		mu.Lock()
		if pub == nil {
			key, err := mirror.LoadOrCreateKey(srv.cfg.MirrorKeyFile())
			if err != nil {
				mu.Unlock()
				return err
			}
			pub = mirror.PublicKeyText(key.Public().(ed25519.PublicKey))
		}
		b := pub
		mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "public, max-age=3600")
		_, err := w.Write(b)
		return err
	}))
	return nil
}
