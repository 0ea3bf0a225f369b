package testpeer

// Stoplight Prism: a mock server that checks every request against an
// OpenAPI description and answers from its examples, here BTCPay's.

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// PrismSkip begins the message of tests skipped for want of Prism.
const PrismSkip = "Prism (npm @stoplight/prism-cli@5.16.0 in .tools) is not installed: "

// BTCPayPrism starts Prism as a validating mock of BTCPay's Greenfield API
// (the repaired description, see RepairBTCPaySpec) on a free loopback port
// and returns its base URL; it stops when the test ends. It skips the test
// when Prism or Node is missing, or Prism does not come up.
func BTCPayPrism(t testing.TB) string {
	t.Helper()
	bin, err := prismPath()
	if err != nil {
		t.Skip(PrismSkip + err.Error())
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip(PrismSkip + "node is not on PATH: " + err.Error())
	}
	spec := filepath.Join(t.TempDir(), "btcpay-openapi.json")
	if err := os.WriteFile(spec, btcpayDescription(t).json, 0o644); err != nil {
		t.Fatalf("writing the BTCPay description for Prism: %v", err)
	}
	port := FreePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "mock", "-h", "127.0.0.1", "-p", strconv.Itoa(port), spec)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	// Bounds the wait for output pipes should Prism leave a child holding
	// them after it is killed.
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		cancel()
		t.Skipf("%scannot start %s: %v", PrismSkip, bin, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	url := fmt.Sprintf("http://127.0.0.1:%d", port)
	client := &http.Client{Timeout: 2 * time.Second}
	// Prism takes some seconds to read the description; the deadline only
	// bounds one that never comes up.
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-done:
			t.Skipf("Prism exited before it answered:\n%s", out.String())
		default:
		}
		// Any HTTP answer will do (an unknown path gets 404): it is
		// listening and has loaded the description.
		if resp, err := client.Get(url + "/"); err == nil {
			resp.Body.Close()
			return url
		}
		if time.Now().After(deadline) {
			t.Skipf("Prism did not answer on %s within 60s:\n%s", url, out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// PrismViolations returns what Prism found wrong with the request a
// response answers (its sl-violations header, JSON), or "" when nothing.
// Prism refuses such requests with a 4xx, often 400, 401 or 422.
func PrismViolations(resp *http.Response) string {
	return resp.Header.Get("sl-violations")
}

// prismPath finds Prism: pinned in the repository's .tools folder
// (gitignored, filled by `npm i -E @stoplight/prism-cli@5.16.0` there),
// else on PATH.
func prismPath() (string, error) {
	var tried string
	if root, err := repoRoot(); err == nil {
		local := filepath.Join(root, ".tools", "node_modules", ".bin", "prism")
		if _, err := os.Stat(local); err == nil {
			return local, nil
		}
		tried = local + " does not exist and "
	}
	p, err := exec.LookPath("prism")
	if err != nil {
		return "", fmt.Errorf("%sprism is not on PATH", tried)
	}
	return p, nil
}

// repoRoot returns the directory of the go.mod above the working
// directory (a package's directory, under go test).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory")
		}
		dir = parent
	}
}
