package site

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/samizdat-press/samizdat/web"
)

func TestInsertInline(t *testing.T) {
	s, err := New(Config{Web: web.FS, Log: slog.New(slog.DiscardHandler), Registry: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.EnablePrompts(PromptsConfig{}, web.FS); err != nil {
		t.Fatal(err)
	}
	body := "<p>One.</p>\n<p>Two.</p>\n<p>Three.</p>"
	v := &promptView{Placement: "inline", Prompt: 1, Variant: 2, Title: "Inline appeal", Button: "Give", GoURL: "/prompts/go/2", Return: "/a"}
	for _, tc := range []struct {
		n      int
		ok     bool
		before string
	}{
		{1, true, "<p>One.</p>"},
		{2, true, "<p>One.</p>\n<p>Two.</p>"},
		{3, false, ""}, // after the last paragraph is the end-of-article placement
		{9, false, ""},
	} {
		got, ok, err := s.insertInline(body, tc.n, v)
		if err != nil || ok != tc.ok {
			t.Fatalf("after paragraph %d: ok=%v err=%v", tc.n, ok, err)
		}
		if ok && !strings.HasPrefix(string(got), tc.before+"\n"+inlineSpotMark+"<aside class=\"prompt prompt-inline\"") {
			t.Errorf("after paragraph %d: %q", tc.n, got)
		}
	}
}
