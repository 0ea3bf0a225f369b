// Package cli parses samizdat's command line and runs its commands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/demo"
	"github.com/samizdat-press/samizdat/internal/importer"
	"github.com/samizdat-press/samizdat/internal/media"
	"github.com/samizdat-press/samizdat/internal/server"
	"github.com/samizdat-press/samizdat/internal/store"
)

const usage = `samizdat runs an independent newsroom's website.

Usage:
  samizdat serve [--addr 127.0.0.1:8080] [--db samizdat.db] [--demo]
  samizdat user add --email E --role admin|editor|author|revenue
  samizdat import markdown DIR [--db samizdat.db]
  samizdat import wordpress FILE.xml [--uploads DIR] [--dry-run]
  samizdat import ghost EXPORT.json [--content DIR] [--members members.csv] [--dry-run]
  samizdat gen --articles N [--db samizdat.db]
  samizdat migrate-db --from samizdat.db --to postgres://… [--force]
  samizdat export --out DIR [--base-url URL] [--force]
  samizdat verify DIR [--pubkey FILE|URL]
  samizdat payments reconcile --provider stripe|btcpay [--since DATE]
  samizdat backup [--db samizdat.db] --out FILE
  samizdat restore --db TARGET [--force] FILE
  samizdat apikey add --name NAME | list | revoke KEY_OR_NAME  [--db samizdat.db]

Every flag can also be set as SAMIZDAT_<NAME> in the environment
(SAMIZDAT_DB, SAMIZDAT_ADDR, SAMIZDAT_BASE_URL, ...) or in a file
given with --config. Run "samizdat COMMAND -h" for a command's flags.
`

// usageError is a mistake on the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// ExitCode is 2 for usage mistakes, 1 for everything else.
func ExitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

// Run runs the command in args.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, rest, stderr, getenv)
	case "import":
		return importCmd(ctx, rest, stdout, stderr, getenv)
	case "user":
		return userCmd(ctx, rest, stdin, stdout, stderr, getenv)
	case "gen":
		return gen(ctx, rest, stdout, stderr, getenv)
	case "migrate-db":
		return migrateDB(ctx, rest, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, stdout, stderr, getenv)
	case "verify":
		return verifyCmd(ctx, rest, stdout, stderr)
	case "payments":
		return paymentsCmd(ctx, rest, stdout, stderr, getenv)
	case "backup":
		return backupCmd(ctx, rest, stdout, stderr, getenv)
	case "restore":
		return restoreCmd(ctx, rest, stdout, stderr, getenv)
	case "apikey":
		return apikeyCmd(ctx, rest, stdout, stderr, getenv)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", cmd)}
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func serve(ctx context.Context, args []string, stderr io.Writer, getenv func(string) string) error {
	var cfg config.Config
	fs := newFlags("serve", stderr)
	cfg.ServeFlags(fs)
	if err := config.Parse(fs, &cfg, args, getenv); err != nil {
		return usageErr(err)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
	tuneGC(getenv)
	start := time.Now()
	srv, err := server.New(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer srv.Close()
	log.Info("ready", "startup", time.Since(start).Round(time.Millisecond).String())
	return srv.Run(ctx)
}

func usageErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err.Error()}
}

// openData opens the store, media directory and content service for a
// command that writes content.
func openData(ctx context.Context, cfg config.Config) (*store.Store, *media.Dir, *content.Service, error) {
	st, err := store.Open(ctx, cfg.DB)
	if err != nil {
		return nil, nil, nil, err
	}
	md, err := media.NewDir(cfg.Media)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	return st, md, content.NewService(st, content.NewRenderer()), nil
}

func importCmd(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) > 0 {
		switch args[0] {
		case "wordpress":
			return importWordPress(ctx, args[1:], stdout, stderr, getenv)
		case "ghost":
			return importGhost(ctx, args[1:], stdout, stderr, getenv)
		}
	}
	if len(args) == 0 || args[0] != "markdown" {
		return usageError{"usage: samizdat import markdown DIR [--db samizdat.db] [--lang en] [--update]\n" +
			"       samizdat import wordpress FILE.xml [--uploads DIR] [--dry-run]\n" +
			"       samizdat import ghost EXPORT.json [--content DIR] [--members members.csv] [--dry-run]"}
	}
	args = args[1:]
	var cfg config.Config
	fs := newFlags("import markdown", stderr)
	cfg.DataFlags(fs)
	lang := fs.String("lang", "en", "language of files without a lang field")
	update := fs.Bool("update", false, "a file whose slug an article has updates that article (draft: true unpublishes it) instead of failing")
	// Allow the directory before or after the flags.
	var dir string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		dir, args = args[0], args[1:]
	}
	if err := config.Parse(fs, &cfg, args, getenv); err != nil {
		return usageErr(err)
	}
	if dir == "" && fs.NArg() > 0 {
		dir = fs.Arg(0)
	}
	if dir == "" {
		return usageError{"import markdown: name the directory of Markdown files"}
	}
	info, err := os.Stat(dir)
	if err != nil || !info.IsDir() {
		return fmt.Errorf("import markdown: %s is not a directory", dir)
	}
	if !content.ValidLanguage(*lang) {
		return usageError{fmt.Sprintf("--lang %q: want one of %s", *lang, strings.Join(content.Languages, ", "))}
	}
	st, md, svc, err := openData(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	im := &importer.Importer{Taxonomy: st, Articles: svc, Images: md, DefaultLang: *lang,
		Warn: func(file string, err error) { fmt.Fprintf(stderr, "warning: %s: %v\n", file, err) }}
	if *update {
		im.Update = articleUpdater{svc, st}
	}
	res, err := im.ImportFS(ctx, os.DirFS(dir))
	if err != nil {
		return err
	}
	for _, e := range res.Errors {
		fmt.Fprintln(stderr, "error:", e)
	}
	fmt.Fprintf(stdout, "imported %d articles, %d files failed\n", len(res.Imported), len(res.Errors))
	if len(res.Errors) > 0 {
		return fmt.Errorf("%d of %d files could not be imported", len(res.Errors), len(res.Errors)+len(res.Imported))
	}
	return nil
}

// articleUpdater is the content service's Update with the store's lookup.
type articleUpdater struct {
	svc *content.Service
	st  *store.Store
}

func (u articleUpdater) Update(ctx context.Context, a *content.Article) error {
	return u.svc.Update(ctx, a)
}

func (u articleUpdater) ArticleBySlug(ctx context.Context, slug string) (*content.Article, error) {
	return u.st.ArticleBySlug(ctx, slug)
}

func gen(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var cfg config.Config
	fs := newFlags("gen", stderr)
	cfg.DataFlags(fs)
	n := fs.Int("articles", 0, "number of articles to generate")
	seed := fs.Uint64("seed", 1, "random seed; the same seed gives the same site")
	ru := fs.Float64("russian-share", 0, "share of the articles written in Russian, from 0 to 1")
	if err := config.Parse(fs, &cfg, args, getenv); err != nil {
		return usageErr(err)
	}
	if *n <= 0 {
		return usageError{"gen: --articles N is required (N > 0)"}
	}
	if *ru < 0 || *ru > 1 {
		return usageError{"gen: --russian-share is a share from 0 to 1, such as 0.5"}
	}
	st, _, svc, err := openData(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	start := time.Now()
	tty := isTerminal(stderr)
	written, err := demo.GenerateMixed(ctx, st, svc, *n, *seed, *ru, func(done int) {
		if tty {
			fmt.Fprintf(stderr, "\r%d/%d articles", done, *n)
		}
	})
	if tty {
		fmt.Fprintln(stderr)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "generated %d articles in %s\n", written, time.Since(start).Round(time.Millisecond))
	return nil
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	info, err := f.Stat()
	return err == nil && info.Mode()&os.ModeCharDevice != 0
}

// tuneGC trades a little memory for less garbage collection on the hot
// path, within a soft limit that keeps the process small. GOGC and
// GOMEMLIMIT, when set, win.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(128 << 20)
	}
}
