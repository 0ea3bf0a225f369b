package ghostapi

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/samizdat-press/samizdat/internal/content"
	"github.com/samizdat-press/samizdat/internal/store"
)

// countingStore is an empty site that counts how often the archive is
// read and can hold a read up.
type countingStore struct {
	reads atomic.Int32
	hold  chan struct{}
	keys  []store.APIKey
}

func (s *countingStore) ArticleIndex(context.Context) ([]store.IndexedArticle, error) {
	s.reads.Add(1)
	if s.hold != nil {
		<-s.hold
	}
	return nil, nil
}
func (s *countingStore) ArticleByID(context.Context, int64) (*content.Article, error) {
	return nil, store.ErrNotFound
}
func (s *countingStore) Authors(context.Context) ([]content.Author, error)          { return nil, nil }
func (s *countingStore) Tags(context.Context) ([]content.Tag, error)                { return nil, nil }
func (s *countingStore) Sections(context.Context) ([]content.Section, error)        { return nil, nil }
func (s *countingStore) LivePages(context.Context) ([]*content.Page, error)         { return nil, nil }
func (s *countingStore) MenuPages(context.Context, string) ([]*content.Page, error) { return nil, nil }
func (s *countingStore) LivePins(context.Context, int64, string) ([]store.FrontPin, error) {
	return nil, nil
}
func (s *countingStore) ImportedIDs(context.Context, string, string) (map[int64]string, error) {
	return nil, nil
}
func (s *countingStore) APIKeys(context.Context) ([]store.APIKey, error) { return s.keys, nil }
func (s *countingStore) ImagesByKey(context.Context, []string) (map[string]content.Image, error) {
	return nil, nil
}

// TestSnapshotReadOnceForConcurrentMisses: after a change, the requests
// that arrive together wait for one read of the archive.
func TestSnapshotReadOnceForConcurrentMisses(t *testing.T) {
	const key = "0123456789abcdef0123456789"
	st := &countingStore{hold: make(chan struct{}), keys: []store.APIKey{{Name: "k", Hash: store.HashAPIKey(key)}}}
	api, err := New(context.Background(), Config{Store: st, Log: slog.New(slog.DiscardHandler),
		Site: func() Site { return Site{BaseURL: "http://example.test", Lang: "en"} }})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := httptest.NewRecorder()
			// Different questions: none can be answered from the cache.
			api.ServeHTTP(w, httptest.NewRequest("GET", "/ghost/api/content/posts/?key="+key+"&page="+string(rune('1'+i)), nil))
			codes[i] = w.Code
		}()
	}
	time.Sleep(50 * time.Millisecond)
	close(st.hold)
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Errorf("request %d: %d", i, c)
		}
	}
	if n := st.reads.Load(); n != 1 {
		t.Errorf("the archive was read %d times for 8 requests at once, want 1", n)
	}
	api.Invalidate()
	w := httptest.NewRecorder()
	api.ServeHTTP(w, httptest.NewRequest("GET", "/ghost/api/content/tags/?key="+key, nil))
	if n := st.reads.Load(); n != 2 || w.Code != 200 {
		t.Errorf("after a change: %d reads, %d; want the archive read again", n, w.Code)
	}
}
