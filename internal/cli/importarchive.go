package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/samizdat-press/samizdat/internal/config"
	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/importer"
	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

const wordpressUsage = `usage: samizdat import wordpress FILE.xml [--uploads DIR] [--dry-run] [--db samizdat.db]

Imports a WordPress export (Tools → Export → All content): posts become
articles, pages static pages, categories sections, tags tags; photos are
read from DIR, a copy of the site's wp-content/uploads. Every old address
gets a redirect. Running it again updates what changed and adds nothing
twice. See docs/importing.md.
`

const ghostUsage = `usage: samizdat import ghost EXPORT.json [--content DIR] [--members members.csv] [--dry-run] [--db samizdat.db]

Imports a Ghost 4–6 export (Settings → Labs → Export your content): posts
become articles, pages static pages, the primary tag the section; photos
are read from DIR, a copy of Ghost's content directory. --members imports
the members CSV (Members → Export) as newsletter subscribers, keeping each
one's consent. Running it again updates what changed and adds nothing
twice. See docs/importing.md.
`

// archiveFlags are the flags both archive imports take.
type archiveFlags struct {
	cfg    config.Config
	dryRun *bool
	lang   *string
	file   string
}

func parseArchiveFlags(name, usage string, args []string, stderr io.Writer, getenv func(string) string, extra func(*archiveFlags, *flag.FlagSet)) (*archiveFlags, error) {
	f := &archiveFlags{}
	fs := newFlags("import "+name, stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usage)
		fs.PrintDefaults()
	}
	f.cfg.DataFlags(fs)
	f.dryRun = fs.Bool("dry-run", false, "read and check everything, write nothing, and print what would be imported")
	f.lang = fs.String("lang", "", "language of the imported items (default: the export's, else en)")
	extra(f, fs)
	// The file may come before or after the flags.
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		f.file, args = args[0], args[1:]
	}
	if err := config.Parse(fs, &f.cfg, args, getenv); err != nil {
		return nil, usageErr(err)
	}
	if f.file == "" && fs.NArg() > 0 {
		f.file = fs.Arg(0)
	}
	if f.file == "" || fs.NArg() > 1 {
		return nil, usageError{fmt.Sprintf("import %s: name one export file\n%s", name, usage)}
	}
	if info, err := os.Stat(f.file); err != nil || info.IsDir() {
		return nil, usageError{fmt.Sprintf("import %s: %s is not a file", name, f.file)}
	}
	if *f.lang != "" && !content.ValidLanguage(*f.lang) {
		return nil, usageError{fmt.Sprintf("import %s: --lang %q: want one of %s", name, *f.lang, strings.Join(content.Languages, ", "))}
	}
	return f, nil
}

func checkDir(cmd, flag, dir string) error {
	if dir == "" {
		return nil
	}
	if info, err := os.Stat(dir); err != nil || !info.IsDir() {
		return usageError{fmt.Sprintf("import %s: %s %s is not a directory", cmd, flag, dir)}
	}
	return nil
}

// newArchive opens the data and the archive writing to it.
func newArchive(ctx context.Context, source string, f *archiveFlags) (*importer.Archive, func(), *store.Store, importer.Images, error) {
	st, md, _, err := openData(ctx, f.cfg)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	main, err := st.Setting(ctx, "site.lang", "en")
	if err != nil {
		st.Close()
		return nil, nil, nil, nil, err
	}
	a := &importer.Archive{Source: source, Store: st, Pages: st, Redirects: st, Renderer: content.NewRenderer(),
		Lang: *f.lang, MainLang: main, DryRun: *f.dryRun, Report: importer.NewReport(source)}
	a.Report.DryRun = *f.dryRun
	return a, func() { st.Close() }, st, md, nil
}

func importWordPress(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var uploads *string
	f, err := parseArchiveFlags("wordpress", wordpressUsage, args, stderr, getenv, func(f *archiveFlags, fs *flag.FlagSet) {
		uploads = fs.String("uploads", "", "a copy of the site's wp-content/uploads, where the photos are")
	})
	if err != nil {
		return err
	}
	if err := checkDir("wordpress", "--uploads", *uploads); err != nil {
		return err
	}
	a, done, _, md, err := newArchive(ctx, "wordpress", f)
	if err != nil {
		return err
	}
	defer done()
	wp := &importer.WordPress{Archive: a, UploadsDir: *uploads, Images: md}
	err = wp.ImportFile(ctx, f.file)
	return finish(stdout, a.Report, err)
}

func importGhost(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	var contentDir, members, list *string
	f, err := parseArchiveFlags("ghost", ghostUsage, args, stderr, getenv, func(f *archiveFlags, fs *flag.FlagSet) {
		contentDir = fs.String("content", "", "a copy of Ghost's content directory, whose images/ holds the photos")
		members = fs.String("members", "", "Ghost's members CSV, imported as newsletter subscribers")
		list = fs.String("list", mail.Lists[0].Key, "the newsletter the members are subscribed to")
	})
	if err != nil {
		return err
	}
	if err := checkDir("ghost", "--content", *contentDir); err != nil {
		return err
	}
	if *members != "" {
		if info, err := os.Stat(*members); err != nil || info.IsDir() {
			return usageError{fmt.Sprintf("import ghost: --members %s is not a file", *members)}
		}
	}
	if _, ok := mail.ListByKey(*list); !ok {
		var keys []string
		for _, l := range mail.Lists {
			keys = append(keys, l.Key)
		}
		return usageError{fmt.Sprintf("import ghost: --list %q: want one of %s", *list, strings.Join(keys, ", "))}
	}
	a, done, st, md, err := newArchive(ctx, "ghost", f)
	if err != nil {
		return err
	}
	defer done()
	g := &importer.Ghost{Archive: a, ContentDir: *contentDir, Images: md}
	if err := g.ImportFile(ctx, f.file); err != nil {
		return finish(stdout, a.Report, err)
	}
	if *members != "" {
		if !a.DryRun { // which must not make a key file either
			keys, err := f.cfg.Keys()
			if err != nil {
				return err
			}
			st.SetSealer(secret.NewBox(keys))
		}
		m := &importer.Members{Store: st, List: *list, Lang: a.Lang, DryRun: a.DryRun, Report: a.Report}
		if err := m.ImportFile(ctx, *members); err != nil {
			return finish(stdout, a.Report, err)
		}
	}
	return finish(stdout, a.Report, nil)
}

// finish prints the report, and fails when the import stopped or some
// items could not be stored.
func finish(stdout io.Writer, r *importer.Report, err error) error {
	r.Print(stdout)
	if err != nil {
		return fmt.Errorf("import stopped: %w", err)
	}
	if len(r.Failed) > 0 {
		return fmt.Errorf("%d items could not be imported (listed above); fix them in the export and run the import again: what is in stays, nothing is made twice", len(r.Failed))
	}
	return nil
}
