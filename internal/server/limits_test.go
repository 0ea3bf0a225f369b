package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// zeros is an endless body that costs the sender no memory.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// rawRequest writes req to the listener at addr and returns the status
// line's code and the body.
func rawRequest(t *testing.T, addr, req string) (int, string) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go io.WriteString(c, req)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read the answer: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rss is the process's resident memory now, in bytes (Linux).
func rss(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Skipf("no /proc/self/status to read memory from: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.Fields(v)[0], 10, 64)
			return kb << 10
		}
	}
	t.Skip("no VmRSS in /proc/self/status")
	return 0
}

// TestLimitsAnswerWithTheirStatus: through the real listener, what is too
// big is refused with its proper status and a body saying what was
// refused, and a dozen 31 MB uploads at once to forms that take a few
// kilobytes keep the server's memory flat.
func TestLimitsAnswerWithTheirStatus(t *testing.T) {
	base, _, _ := startServer(t)
	addr := strings.TrimPrefix(base, "http://")
	host := "Host: " + addr + "\r\n"

	code, body := rawRequest(t, addr, "GET / HTTP/1.1\r\n"+host+"X-Padding: "+strings.Repeat("a", 40<<10)+"\r\n\r\n")
	if code != http.StatusRequestHeaderFieldsTooLarge || !strings.Contains(body, "at most 16 KiB") {
		t.Errorf("a 40 KB header: %d %q, want 431 saying the limit", code, body)
	}
	code, body = rawRequest(t, addr, "GET /"+strings.Repeat("x", 20<<10)+" HTTP/1.1\r\n"+host+"\r\n")
	if code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("a 20 KB request line: %d %q, want 431", code, body)
	}
	code, body = rawRequest(t, addr, "NONSENSE\r\n\r\n")
	if code != http.StatusBadRequest || body == "" {
		t.Errorf("a request that is not HTTP: %d %q, want 400 with a reason", code, body)
	}

	post := func(path string, size int64) (int, string, error) {
		req, err := http.NewRequest(http.MethodPost, base+path, io.LimitReader(zeros{}, size))
		if err != nil {
			return 0, "", err
		}
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	for _, path := range []string{"/prompts/snooze", "/admin/signin", "/newsletter"} {
		code, body, err := post(path, 2<<20)
		if err != nil {
			t.Fatalf("POST %s: %v", path, err)
		}
		if code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than") {
			t.Errorf("POST %s of 2 MB: %d, want 413 saying what the form takes\n%.300s", path, code, body)
		}
	}

	before := rss(t)
	var (
		wg   sync.WaitGroup
		peak int64
		mu   sync.Mutex
	)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
				if r := rss(t); r > peak {
					mu.Lock()
					peak = r
					mu.Unlock()
				}
			}
		}
	}()
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := []string{"/prompts/snooze", "/admin/signin", "/"}[i%3]
			code, _, err := post(path, 31<<20)
			if err == nil && code < 400 {
				t.Errorf("POST %s of 31 MB: %d, want it refused", path, code)
			}
		}()
	}
	wg.Wait()
	close(done)
	mu.Lock()
	grew := peak - before
	mu.Unlock()
	if grew > 64<<20 {
		t.Errorf("12 concurrent 31 MB posts grew the server's memory by %d MB, want a few", grew>>20)
	}
	t.Logf("memory before %d MB, peak during 12 × 31 MB posts %s", before>>20, fmt.Sprintf("+%d MB", grew>>20))
}
