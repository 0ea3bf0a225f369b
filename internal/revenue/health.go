package revenue

import "sync"

// Health is whether each provider's API answers, as this node last saw
// it. A provider that does not is not offered to readers, so that a
// gift is never started where it cannot finish; the others stay.
type Health struct {
	mu       sync.Mutex
	problems map[string]string
}

// NewHealth returns a Health in which every provider is available.
func NewHealth() *Health { return &Health{problems: map[string]string{}} }

// Set records a check of name: nil is healthy. It reports whether the
// provider's state changed.
func (h *Health) Set(name string, err error) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	_, wasDown := h.problems[name]
	if err == nil {
		delete(h.problems, name)
		return wasDown
	}
	h.problems[name] = err.Error()
	return !wasDown
}

// Available reports whether name may be offered. A nil Health offers all.
func (h *Health) Available(name string) bool {
	if h == nil {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_, down := h.problems[name]
	return !down
}

// Problem is what the last failed check of name said; "" when healthy.
func (h *Health) Problem(name string) string {
	if h == nil {
		return ""
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.problems[name]
}
