package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/samizdat-press/samizdat/internal/store"
)

// fillImportTables puts rows in import_refs for the copy test's site: what
// an import of a WordPress post and of a Ghost author recorded.
func fillImportTables(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, r := range []store.ImportRef{
		{Source: "wordpress", Kind: "post", SourceID: "100", LocalID: 1, Hash: "abc"},
		{Source: "ghost", Kind: "author", SourceID: "6650a0000000000000000502", LocalID: 1},
	} {
		if err := st.PutImportRef(ctx, r); err != nil {
			t.Fatalf("PutImportRef: %v", err)
		}
	}
	got, err := st.ImportRef(ctx, "wordpress", "post", "100")
	if err != nil || got.LocalID != 1 || got.Hash != "abc" {
		t.Fatalf("ImportRef: %+v %v", got, err)
	}
	if _, err := st.ImportRef(ctx, "ghost", "post", "100"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("ImportRef of another source: %v, want ErrNotFound", err)
	}
}
