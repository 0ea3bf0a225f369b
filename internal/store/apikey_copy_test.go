package store_test

import (
	"context"
	"testing"

	"github.com/samizdat-press/samizdat/internal/store"
)

// fillAPIKeyTables puts a working and a revoked Content API key in the
// copy test's site.
func fillAPIKeyTables(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	for _, name := range []string{"Front-end", "Retired app"} {
		if _, _, err := st.CreateAPIKey(ctx, name); err != nil {
			t.Fatalf("CreateAPIKey: %v", err)
		}
	}
	if _, err := st.RevokeAPIKey(ctx, "Retired app"); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
}
