package store_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/samizdat-press/samizdat/internal/mail"
	"github.com/samizdat-press/samizdat/internal/secret"
	"github.com/samizdat-press/samizdat/internal/store"
)

// fillMailTables puts a row in each mail table of the copy test's site.
func fillMailTables(t *testing.T, st *store.Store, articleID, userID int64) {
	t.Helper()
	ctx := context.Background()
	keys, err := secret.NewKeys(bytes.Repeat([]byte{3}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	st.SetSealer(secret.NewBox(keys))
	if err := st.EnqueueMail(ctx, mail.Message{To: "reader@example.org", Subject: "Sign in", Text: "Link", Kind: "signin",
		Headers: map[string]string{"X-Kind": "signin"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Subscribe(ctx, "reader@example.org", "ru", []string{"daily", "breaking"}, "confirm-hash", copyNow); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ConfirmSubscription(ctx, "confirm-hash", copyNow); err != nil {
		t.Fatal(err)
	}
	n, err := st.SendNewsletter(ctx, mail.Send{List: "breaking", Key: "article:1", ArticleID: articleID, CreatedBy: userID},
		func(_ int64, s mail.Subscriber) (mail.Message, error) {
			return mail.Message{To: s.Email, Subject: "Breaking", Text: "News", Kind: "newsletter"}, nil
		})
	if err != nil || n != 1 {
		t.Fatalf("SendNewsletter = %d, %v; want 1 recipient", n, err)
	}
}
