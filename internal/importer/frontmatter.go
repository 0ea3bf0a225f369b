// Package importer turns Markdown files with YAML front matter (the format
// of Hugo and Jekyll sites) into articles.
package importer

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
)

// FrontMatter is the header of an imported file.
type FrontMatter struct {
	Title       string   `yaml:"title"`
	Slug        string   `yaml:"slug"`
	Date        string   `yaml:"date"`
	Section     string   `yaml:"section"`
	Tags        []string `yaml:"tags"`
	Authors     []string `yaml:"authors"`
	Author      string   `yaml:"author"`
	Image       string   `yaml:"image"`
	Alt         string   `yaml:"alt"`
	Credit      string   `yaml:"credit"`
	Caption     string   `yaml:"caption"`
	Summary     string   `yaml:"summary"`
	Description string   `yaml:"description"`
	Lang        string   `yaml:"lang"`
	// Translates is the slug of the article this one translates: the
	// import links them, as an editor does in the admin.
	Translates  string       `yaml:"translates"`
	Draft       bool         `yaml:"draft"`
	Corrections []Correction `yaml:"corrections"`
}

// Correction is a dated correction in front matter.
type Correction struct {
	Date string `yaml:"date"`
	Text string `yaml:"text"`
}

// LineError is an error at a line of a file, printed as file:line: message.
type LineError struct {
	File string
	Line int // 0 when the whole file is at fault
	Err  error
}

func (e *LineError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
	}
	return fmt.Sprintf("%s: %v", e.File, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

var yamlLineRe = regexp.MustCompile(`\[(\d+):\d+\]`)

// Parse splits a file into front matter and Markdown body. Lines in errors
// count from the top of the file.
func Parse(name string, data []byte) (*FrontMatter, string, error) {
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		return nil, "", &LineError{File: name, Line: line, Err: errors.New("file is not valid UTF-8 text")}
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	text = strings.TrimPrefix(text, "\ufeff")
	if !strings.HasPrefix(text, "---\n") {
		return nil, "", &LineError{File: name, Line: 1, Err: errors.New(`front matter must start with a line "---"`)}
	}
	// Prefix rest with the newline that ended the opening line, so that an
	// empty front matter ("---" right after "---") is found like any other.
	rest := text[3:]
	end := strings.Index(rest, "\n---\n")
	if end < 0 {
		if strings.HasSuffix(rest, "\n---") {
			end = len(rest) - 4
		} else {
			return nil, "", &LineError{File: name, Line: 1, Err: errors.New(`front matter is not closed by a line "---"`)}
		}
	}
	head := rest[1:max(end, 1)]
	body := ""
	if end+5 <= len(rest) {
		body = rest[end+5:]
	}
	var fm FrontMatter
	if err := unmarshal(head, &fm); err != nil {
		line := 1
		if m := yamlLineRe.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			line = n + 1 // the opening "---" is line 1
		}
		msg := err.Error()
		if i := strings.Index(msg, "\n"); i > 0 {
			msg = msg[:i]
		}
		// Drop the leading position, which is in Line, and put any other
		// position ("already defined at [1:1]") in lines of the file.
		msg = strings.TrimPrefix(msg, yamlLineRe.FindString(msg))
		msg = yamlLineRe.ReplaceAllStringFunc(msg, func(pos string) string {
			n, _ := strconv.Atoi(yamlLineRe.FindStringSubmatch(pos)[1])
			return fmt.Sprintf("line %d", n+1)
		})
		msg = strings.TrimSpace(msg)
		if strings.Contains(msg, "mapping value is not allowed") {
			// Most often a headline with a colon: «Выборы: пересчёт».
			msg += ` (put a value that contains ": " in quotes, and indent nested keys consistently)`
		}
		return nil, "", &LineError{File: name, Line: line, Err: fmt.Errorf("front matter: %s", msg)}
	}
	return &fm, body, nil
}

// unmarshal decodes front matter strictly. The YAML decoder panics on some
// malformed input (goccy/go-yaml v1.19.2: a tagged scalar where a list is
// expected, such as "authors: !x a\n b"); that is a bad file, not a crash.
func unmarshal(head string, fm *FrontMatter) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = errors.New("cannot be read as YAML")
		}
	}()
	return yaml.UnmarshalWithOptions([]byte(head), fm, yaml.Strict())
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// keyLine returns the line of a front matter key, for errors about its value.
func keyLine(data []byte, key string) int {
	for i, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, key+":") {
			return i + 1
		}
		if i > 0 && line == "---" {
			break
		}
	}
	return 0
}

var dateLayouts = []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02"}

func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("date %q is not a date like 2026-11-20 or 2026-11-20T09:30:00Z", s)
}
