package importer

import "context"

// Pages stores static pages.
type Pages interface{}

func (a *Archive) putPage(ctx context.Context, d *Doc) error {
	a.Report.Skip("pages (no page store)")
	return nil
}
