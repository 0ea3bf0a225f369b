package admin

import (
	"strings"
)

// diffLine is one line of a diff: kept, inserted, deleted, or a gap
// standing for unchanged lines left out.
type diffLine struct {
	Kind string // "same", "ins", "del" or "gap"
	Text string
}

// maxDiffCells bounds the memory of one diff (4 bytes a cell). Beyond it,
// the changed middle is shown as all deleted, then all inserted.
const maxDiffCells = 4_000_000

// lineDiff compares two texts line by line: a longest common subsequence
// on what remains once the common beginning and end are set aside.
func lineDiff(from, to string) []diffLine {
	a, b := splitLines(from), splitLines(to)
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var out []diffLine
	for _, l := range a[:pre] {
		out = append(out, diffLine{"same", l})
	}
	out = append(out, lcsDiff(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		out = append(out, diffLine{"same", l})
	}
	return out
}

func splitLines(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func lcsDiff(a, b []string) []diffLine {
	n, m := len(a), len(b)
	out := make([]diffLine, 0, n+m)
	if n*m > maxDiffCells {
		for _, l := range a {
			out = append(out, diffLine{"del", l})
		}
		for _, l := range b {
			out = append(out, diffLine{"ins", l})
		}
		return out
	}
	// lcs[i*(m+1)+j] is the length of the longest common subsequence of a[i:] and b[j:].
	w := m + 1
	lcs := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i*w+j] = lcs[(i+1)*w+j+1] + 1
			} else {
				lcs[i*w+j] = max(lcs[(i+1)*w+j], lcs[i*w+j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, diffLine{"same", a[i]})
			i++
			j++
		case lcs[(i+1)*w+j] >= lcs[i*w+j+1]:
			out = append(out, diffLine{"del", a[i]})
			i++
		default:
			out = append(out, diffLine{"ins", b[j]})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, diffLine{"del", a[i]})
	}
	for ; j < m; j++ {
		out = append(out, diffLine{"ins", b[j]})
	}
	return out
}

// withContext keeps n unchanged lines around each change and replaces
// longer unchanged runs with a gap.
func withContext(lines []diffLine, n int) []diffLine {
	keep := make([]bool, len(lines))
	for i, l := range lines {
		if l.Kind == "same" {
			continue
		}
		for k := max(i-n, 0); k <= min(i+n, len(lines)-1); k++ {
			keep[k] = true
		}
	}
	var out []diffLine
	for i, l := range lines {
		switch {
		case keep[i]:
			out = append(out, l)
		case len(out) == 0 || out[len(out)-1].Kind != "gap":
			out = append(out, diffLine{Kind: "gap"})
		}
	}
	return out
}

// changed reports whether a diff holds any change.
func changed(lines []diffLine) bool {
	for _, l := range lines {
		if l.Kind == "ins" || l.Kind == "del" {
			return true
		}
	}
	return false
}
