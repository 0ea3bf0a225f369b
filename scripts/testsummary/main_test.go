package main

import (
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name  string
		input string
		code  int
		want  []string
	}{
		{
			name: "pass, skip with its reason, and a failing subtest shown once",
			input: `{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA","Elapsed":0.1}
{"Action":"output","Package":"p","Test":"TestPG","Output":"=== RUN   TestPG\n"}
{"Action":"output","Package":"p","Test":"TestPG","Output":"    x_test.go:9: SAMIZDAT_TEST_POSTGRES is not set\n"}
{"Action":"output","Package":"p","Test":"TestPG","Output":"--- SKIP: TestPG (0.00s)\n"}
{"Action":"skip","Package":"p","Test":"TestPG"}
{"Action":"output","Package":"p","Test":"TestB/sub","Output":"    b_test.go:3: got 2, want 3\n"}
{"Action":"fail","Package":"p","Test":"TestB/sub"}
{"Action":"fail","Package":"p","Test":"TestB"}
{"Action":"fail","Package":"p","Elapsed":1.5}
`,
			code: 1,
			want: []string{"FAIL p", "--- FAIL: TestB/sub (p)", "got 2, want 3", "p TestPG: x_test.go:9: SAMIZDAT_TEST_POSTGRES is not set",
				"1 passed, 2 failed, 1 skipped"},
		},
		{
			name: "a package that does not build",
			input: `{"ImportPath":"q","Action":"build-output","Output":"q/x.go:1: syntax error\n"}
{"Action":"run","Package":"p","Test":"TestA"}
{"Action":"pass","Package":"p","Test":"TestA"}
{"Action":"fail","Package":"q","Elapsed":0}
`,
			code: 1,
			want: []string{"--- FAIL: package q", "syntax error", "1 passed, 0 failed, 0 skipped, 1 packages failed outside their tests"},
		},
		{
			name:  "all passing",
			input: `{"Action":"pass","Package":"p","Test":"TestA"}` + "\n" + `{"Action":"pass","Package":"p","Elapsed":0.2}` + "\n",
			code:  0,
			want:  []string{"ok   p", "1 passed, 0 failed, 0 skipped"},
		},
		{name: "no tests at all", input: "", code: 1, want: []string{"0 passed, 0 failed, 0 skipped"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			if code := run(strings.NewReader(tc.input), &out); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out.String())
				}
			}
			if strings.Count(out.String(), "--- FAIL: TestB") > 1 {
				t.Errorf("a failing parent is shown beside its failing subtest:\n%s", out.String())
			}
		})
	}
}
