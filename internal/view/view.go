// Package view parses a set of html/template pages that share a layout, once
// at start-up, so a broken template fails start-up rather than a request.
package view

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
)

// Set holds one parsed template per page: the layout, partials and the page.
type Set struct {
	pages map[string]*template.Template
}

// Parse parses the layout and partial files matched by shared, then each
// page file matched by pages on a copy of them. Pages are named by their
// file name without extension; the layout is executed as layoutName.
func Parse(fsys fs.FS, funcs template.FuncMap, layoutName string, shared []string, pages string) (*Set, error) {
	base, err := template.New(layoutName).Funcs(funcs).ParseFS(fsys, shared...)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", layoutName, err)
	}
	names, err := fs.Glob(fsys, pages)
	if err != nil {
		return nil, err
	}
	set := &Set{pages: map[string]*template.Template{}}
	for _, n := range names {
		t, err := template.Must(base.Clone()).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		set.pages[strings.TrimSuffix(path.Base(n), path.Ext(n))] = t
	}
	return set, nil
}

// Render executes page with data.
func (s *Set) Render(page string, data any) ([]byte, error) {
	t := s.pages[page]
	if t == nil {
		return nil, fmt.Errorf("no template %q", page)
	}
	var buf bytes.Buffer
	buf.Grow(32 << 10)
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", page, err)
	}
	return buf.Bytes(), nil
}

// RenderTemplate executes the template name, such as a partial, as page
// defines it.
func (s *Set) RenderTemplate(page, name string, data any) ([]byte, error) {
	t := s.pages[page]
	if t == nil {
		return nil, fmt.Errorf("no template %q", page)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, name, data); err != nil {
		return nil, fmt.Errorf("render %s of %s: %w", name, page, err)
	}
	return buf.Bytes(), nil
}
