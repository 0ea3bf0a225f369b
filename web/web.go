// Package web holds the templates and static files, embedded so that the
// binary is the whole product.
package web

import "embed"

// FS holds templates/ and static/.
//
//go:embed templates static
var FS embed.FS
