package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/mirror"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/site"
)

// bankDetailsKey is the site setting holding the bank transfer details
// shown on the export's support page (edited in the admin).
const bankDetailsKey = "bank.details"

// exportStallEnv makes an export stop after that many files until it is
// killed: only tests set it, to kill an export midway.
const exportStallEnv = "SAMIZDAT_EXPORT_TEST_STALL_AFTER"

func exportCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var cfg config.Config
	fs := newFlags("export", stderr)
	cfg.DataFlags(fs)
	cfg.ReachFlags(fs)
	out := fs.String("out", "", "directory to write the static copy into")
	fs.StringVar(&cfg.BaseURL, "base-url", "", "public URL of the site, for canonical links, feeds and sitemaps in the copy")
	force := fs.Bool("force", false, "replace the contents of a non-empty directory that holds no export")
	fullRender := fs.Bool("full", false, "render every page, even when only some changed since the previous export")
	workers := fs.Int("workers", 0, "pages rendered at once (default: one per CPU)")
	if err := config.Parse(fs, &cfg, args, getenv); err != nil {
		return usageErr(err)
	}
	if *out == "" {
		return usageError{"export: --out DIR is required"}
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Trim(u.Path, "/") != "" {
		return usageError{fmt.Sprintf("export: --base-url %q: want the site's public URL, such as https://example.org", cfg.BaseURL)}
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	cfg.CacheMB = 0 // every page is rendered once: a cache would only hold memory
	cfg.Static = true
	key, err := mirror.LoadOrCreateKey(cfg.MirrorKeyFile())
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	bank, err := srv.Store.Setting(ctx, bankDetailsKey, "")
	if err != nil {
		return err
	}
	var extra []mirror.File
	editions := mirror.EditionsOf(srv.Site.Settings().Lang)
	for _, ed := range editions {
		for _, p := range []string{"/support", "/search", "/newsletter"} {
			b, err := srv.Site.StaticPage(ctx, ed.Prefix+p, site.StaticExtra{BankDetails: bank})
			if err != nil {
				return err
			}
			extra = append(extra, mirror.File{Path: ed.Prefix + p, Body: b})
		}
	}
	moved, err := srv.Site.RedirectPages(ctx)
	if err != nil {
		return err
	}
	for _, m := range moved {
		extra = append(extra, mirror.File{Path: m.Path, Body: m.Body})
	}
	fingerprint, err := exportFingerprint(ctx, srv)
	if err != nil {
		return err
	}
	opt := mirror.Options{
		Handler: srv.Handler(), BaseURL: cfg.BaseURL, Source: srv.Store, Out: *out, Force: *force,
		Key: key, Extra: extra, Workers: *workers, PageSize: site.PageSize,
		Inspect: inspectPage, Fingerprint: fingerprint, Full: *fullRender,
		CardStart: site.CardStart, CardEnd: site.CardEnd, Editions: editions,
	}
	if n, _ := strconv.Atoi(getenv(exportStallEnv)); n > 0 {
		opt.StallAfter = n
		opt.OnStall = func() { fmt.Fprintln(stderr, "export stalled for a test") }
	}
	bar := newProgressBar(stderr)
	opt.Progress = bar.update
	start := time.Now()
	res, err := mirror.Export(ctx, opt)
	bar.done()
	if errors.Is(err, mirror.ErrNotExport) {
		return usageError{err.Error()}
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	how := "rendered every page"
	if res.Updated {
		how = fmt.Sprintf("updated: rendered %d files, %d of them by putting an edited article's card in place", res.Rendered, res.Patched)
	}
	if len(res.Altered) > 0 {
		fmt.Fprintf(stderr, "warning: %d files of the copy were changed after it was signed (such as %s); every page was rendered again and they were written anew\n",
			len(res.Altered), res.Altered[0])
	}
	fmt.Fprintf(stdout, "exported %d files (%d written, %d unchanged, %d removed, %.1f MB) to %s in %.1fs, %.0f files/s; %s\n",
		res.Files, res.Written, res.Linked, res.Removed, float64(res.Bytes)/1e6, *out, secs, float64(res.Files)/secs, how)
	return nil
}

// inspectPage lets the site describe each exported page to the export.
func inspectPage(ctx context.Context) (context.Context, func() mirror.PageInfo) {
	info := &site.PageInfo{}
	return site.WithPageInfo(ctx, info), func() mirror.PageInfo { return mirror.PageInfo(*info) }
}

// exportFingerprint names everything besides the articles that shapes the
// exported pages: this program, every setting, the sections, topics and
// authors, and the site's addresses. An export whose fingerprint differs
// from the previous one's renders every page again.
func exportFingerprint(ctx context.Context, srv *server.Server) (string, error) {
	h := sha256.New()
	if exe, err := os.Executable(); err == nil {
		if fi, err := os.Stat(exe); err == nil {
			fmt.Fprintf(h, "program %s %d %d\n", exe, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	settings, err := srv.Store.Settings(ctx)
	if err != nil {
		return "", err
	}
	secs, err := srv.Store.Sections(ctx)
	if err != nil {
		return "", err
	}
	tags, err := srv.Store.Tags(ctx)
	if err != nil {
		return "", err
	}
	authors, err := srv.Store.Authors(ctx)
	if err != nil {
		return "", err
	}
	// Static pages are in every page's footer menu, and redirects are
	// files of their own: a change to either renders the whole copy.
	pages, err := srv.Store.Pages(ctx)
	if err != nil {
		return "", err
	}
	redirects, err := srv.Store.Redirects(ctx)
	if err != nil {
		return "", err
	}
	enc := json.NewEncoder(h)
	for _, v := range []any{settings, secs, tags, authors, pages, redirects, srv.Site.Settings(), srv.Site.Hosts().MirrorList()} {
		if err := enc.Encode(v); err != nil {
			return "", fmt.Errorf("export: fingerprint: %w", err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// progressBar draws on a terminal only; logs and pipes get the summary.
type progressBar struct {
	w     io.Writer
	fd    int
	tty   bool
	last  time.Time
	drawn bool
}

func newProgressBar(w io.Writer) *progressBar {
	b := &progressBar{w: w}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		b.tty, b.fd = true, int(f.Fd())
	}
	return b
}

func (b *progressBar) update(done, total int) {
	if !b.tty || (time.Since(b.last) < 100*time.Millisecond && done < total) {
		return
	}
	b.last = time.Now()
	width := 80
	if w, _, err := term.GetSize(b.fd); err == nil && w > 20 {
		width = w
	}
	label := fmt.Sprintf(" %d/%d files", done, total)
	n := max(10, width-len(label)-3)
	filled := n * done / max(total, 1)
	fmt.Fprintf(b.w, "\r[%s%s]%s", strings.Repeat("#", filled), strings.Repeat(" ", n-filled), label)
	b.drawn = true
}

func (b *progressBar) done() {
	if b.drawn {
		fmt.Fprintln(b.w)
	}
}

func verifyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("verify", stderr)
	pubArg := fs.String("pubkey", "", "the site's public key: a file, or a URL such as https://example.org"+mirror.PubKeyPath)
	var dir string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return usageErr(err)
	}
	if dir == "" && fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	if dir == "" {
		return usageError{"usage: samizdat verify DIR [--pubkey FILE|URL]"}
	}
	pub, err := loadPubKey(ctx, dir, *pubArg, stderr)
	if err != nil {
		return err
	}
	rep, err := mirror.Verify(dir, pub)
	if err != nil {
		return err
	}
	for _, l := range []struct {
		what  string
		files []string
	}{{"added", rep.Added}, {"removed", rep.Removed}, {"changed", rep.Changed}} {
		for _, f := range l.files {
			fmt.Fprintf(stdout, "%s: %s\n", l.what, f)
		}
	}
	if !rep.OK() {
		return fmt.Errorf("verify %s: %d added, %d removed, %d changed of %d signed files",
			dir, len(rep.Added), len(rep.Removed), len(rep.Changed), rep.Files)
	}
	fmt.Fprintf(stdout, "ok: %d files match the signed manifest\n", rep.Files)
	return nil
}

// loadPubKey reads the key from a file or URL; without one it takes the
// copy's own, which shows the copy is whole but not who made it.
func loadPubKey(ctx context.Context, dir, arg string, stderr io.Writer) (ed25519.PublicKey, error) {
	var b []byte
	var err error
	switch {
	case arg == "":
		fmt.Fprintln(stderr, "warning: no --pubkey: checking against the key inside the copy, which proves it is whole, not who made it")
		b, err = os.ReadFile(dir + mirror.PubKeyPath)
	case strings.HasPrefix(arg, "https://") || strings.HasPrefix(arg, "http://"):
		b, err = fetchKey(ctx, arg)
	default:
		b, err = os.ReadFile(arg)
	}
	if err != nil {
		return nil, fmt.Errorf("verify: public key: %w", err)
	}
	pub, err := mirror.ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("verify: public key %s: %w", arg, err)
	}
	return pub, nil
}

func fetchKey(ctx context.Context, u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 4096))
}
