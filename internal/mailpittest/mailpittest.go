// Package mailpittest starts a real SMTP server (mailpit, declared as a Go
// tool dependency in the separate tools module, tools/go.mod, so that the
// main go.mod does not carry its requirements) on free loopback ports for
// tests, and reads back what arrived through its HTTP API.
package mailpittest

import (
	"bytes"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a running mailpit.
type Server struct {
	SMTPPort int
	BaseURL  string
}

// Start builds (or finds in the build cache) mailpit from tools/go.mod,
// starts it and waits until it is ready; it is stopped when the test ends.
// The test is skipped only when the tool is not declared there; any other
// failure fails it.
func Start(t testing.TB) *Server {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		goBin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	build := exec.Command(goBin, "tool", "-n", "mailpit")
	build.Dir = toolsDir()
	build.Env = append(os.Environ(), "GOWORK=off")
	out, err := build.CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "no such tool") {
			t.Skipf("go tool mailpit unavailable (cd tools && go get -tool github.com/axllent/mailpit@v1.33.1): %s", out)
		}
		t.Fatalf("go tool -n mailpit in %s: %v\n%s", build.Dir, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	bin := strings.TrimSpace(lines[len(lines)-1])
	smtpPort, httpPort := freePort(t), freePort(t)
	for httpPort == smtpPort {
		httpPort = freePort(t)
	}
	var logs bytes.Buffer
	cmd := exec.Command(bin, "--smtp", "127.0.0.1:"+strconv.Itoa(smtpPort), "--listen", "127.0.0.1:"+strconv.Itoa(httpPort),
		"--database", filepath.Join(t.TempDir(), "mailpit.db"), "--disable-version-check", "--smtp-disable-rdns", "--quiet")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	cmd.Env = os.Environ()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mailpit: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
	base := "http://127.0.0.1:" + strconv.Itoa(httpPort)
	deadline := time.Now().Add(30 * time.Second)
	for {
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("mailpit exited before it was ready: %v\n%s", err, logs.String())
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			resp.Body.Close()
			if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(smtpPort), time.Second); err == nil && resp.StatusCode == 200 {
				c.Close()
				return &Server{SMTPPort: smtpPort, BaseURL: base}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("mailpit not ready after 30s\n%s", logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// toolsDir is the tools module beside this package's module root
// (internal/mailpittest/../../tools).
func toolsDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "tools")
}

func freePort(t testing.TB) int {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Summary is one message in the mailbox listing.
type Summary struct {
	ID      string
	Subject string
	To      []struct{ Name, Address string }
}

// Messages lists the received messages.
func (s *Server) Messages(t testing.TB) []Summary {
	t.Helper()
	var v struct{ Messages []Summary }
	s.get(t, "/api/v1/messages", &v)
	return v.Messages
}

// Text returns the plain-text body of a message.
func (s *Server) Text(t testing.TB, id string) string {
	t.Helper()
	var v struct{ Text string }
	s.get(t, "/api/v1/message/"+id, &v)
	return v.Text
}

func (s *Server) get(t testing.TB, path string, v any) {
	t.Helper()
	s.JSON(t, path, v)
}

// JSON decodes the answer of the HTTP API at path (e.g.
// "/api/v1/messages") into v, failing the test on any error.
func (s *Server) JSON(t testing.TB, path string, v any) {
	t.Helper()
	b := s.Bytes(t, path)
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

// Bytes returns the body of the HTTP API at path (a message part, for
// instance), failing the test unless the answer is 200 OK.
func (s *Server) Bytes(t testing.TB, path string) []byte {
	t.Helper()
	resp, err := http.Get(s.BaseURL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v\n%s", path, resp.StatusCode, err, b)
	}
	return b
}
