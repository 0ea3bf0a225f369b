// Command testsummary reads `go test -json` on standard input and prints
// what a person wants from a test run: one line per package as it
// finishes, the output of every failing test, and at the end one line of
// counts (N passed, N failed, N skipped) and why each skipped test
// skipped. It exits 1 when anything failed, a package did not build, or
// the input held no test at all.
//
//	go test -json ./... | go run ./scripts/testsummary
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// event is one line of test2json's output.
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	Elapsed    float64
	ImportPath string // of build-output events
}

type key struct{ pkg, test string }

func main() {
	os.Exit(run(os.Stdin, os.Stdout))
}

func run(in io.Reader, out io.Writer) int {
	var (
		output  = map[key]*strings.Builder{} // what each test (and package) printed
		passed  int
		failed  []key
		skipped []key
		reasons = map[key]string{}
		broken  []string        // packages that failed outside any test (build errors, panics in TestMain)
		builds  strings.Builder // compiler errors
		start   = time.Now()
	)
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintln(out, string(line)) // not from test2json: go's own messages
			continue
		}
		k := key{e.Package, e.Test}
		switch e.Action {
		case "build-output":
			builds.WriteString(e.Output)
		case "output":
			b := output[k]
			if b == nil {
				b = &strings.Builder{}
				output[k] = b
			}
			b.WriteString(e.Output)
		case "pass":
			if e.Test != "" {
				passed++
			} else {
				fmt.Fprintf(out, "ok   %-60s %6.1fs\n", e.Package, e.Elapsed)
			}
		case "skip":
			if e.Test != "" {
				skipped = append(skipped, k)
				reasons[k] = skipReason(output[k])
			} else {
				fmt.Fprintf(out, "--   %-60s (no tests)\n", e.Package)
			}
		case "fail":
			if e.Test != "" {
				failed = append(failed, k)
				continue
			}
			fmt.Fprintf(out, "FAIL %-60s %6.1fs\n", e.Package, e.Elapsed)
			if !slices.ContainsFunc(failed, func(f key) bool { return f.pkg == e.Package }) {
				broken = append(broken, e.Package)
			}
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintf(out, "testsummary: reading the test output: %v\n", err)
		return 1
	}

	for _, k := range failed {
		if isParent(k, failed) {
			continue // its failing subtest's output is shown instead
		}
		fmt.Fprintf(out, "\n--- FAIL: %s (%s)\n%s", k.test, k.pkg, indent(output[k]))
	}
	for _, p := range broken {
		fmt.Fprintf(out, "\n--- FAIL: package %s\n%s", p, indent(output[key{p, ""}]))
	}
	if len(broken) > 0 && builds.Len() > 0 {
		fmt.Fprintf(out, "\nbuild output:\n%s", indent(&builds))
	}
	if len(skipped) > 0 {
		fmt.Fprintf(out, "\nskipped:\n")
		for _, k := range skipped {
			fmt.Fprintf(out, "  %s %s: %s\n", short(k.pkg), k.test, reasons[k])
		}
	}
	fmt.Fprintf(out, "\n%d passed, %d failed, %d skipped", passed, len(failed), len(skipped))
	if len(broken) > 0 {
		fmt.Fprintf(out, ", %d packages failed outside their tests", len(broken))
	}
	fmt.Fprintf(out, " (%s)\n", time.Since(start).Round(time.Second))
	if len(failed) > 0 || len(broken) > 0 || passed == 0 {
		return 1
	}
	return 0
}

// skipReason is the message t.Skip printed: the test's output without the
// "=== RUN" and "--- SKIP" lines.
func skipReason(b *strings.Builder) string {
	if b == nil {
		return "(no reason given)"
	}
	var msg []string
	for line := range strings.Lines(b.String()) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- SKIP") {
			continue
		}
		msg = append(msg, line)
	}
	if len(msg) == 0 {
		return "(no reason given)"
	}
	return strings.Join(msg, " ")
}

// isParent reports whether k is a test whose subtest also failed.
func isParent(k key, failed []key) bool {
	return slices.ContainsFunc(failed, func(f key) bool { return f.pkg == k.pkg && strings.HasPrefix(f.test, k.test+"/") })
}

func indent(b *strings.Builder) string {
	if b == nil {
		return ""
	}
	var s strings.Builder
	for line := range strings.Lines(b.String()) {
		s.WriteString("    " + line)
	}
	return s.String()
}

func short(pkg string) string {
	if i := strings.Index(pkg, "/internal/"); i >= 0 {
		return pkg[i+1:]
	}
	return pkg
}
