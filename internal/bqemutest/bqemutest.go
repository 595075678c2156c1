// Package bqemutest finds and starts the BigQuery emulator
// (github.com/goccy/bigquery-emulator, built once by
// scripts/build-bigquery-emulator.sh into .cache/) for integration tests.
package bqemutest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// EnvVar names the variable giving the emulator binary ("off"
// skips); the same variable as the warehouse package's tests.
const EnvVar = "CRMKIT_BIGQUERY_EMULATOR"

// Binary returns the emulator binary, or "" and why there is none.
func Binary() (string, string) {
	p := os.Getenv(EnvVar)
	if p == "off" {
		return "", fmt.Sprintf("BigQuery emulator tests off (%s=off)", EnvVar)
	}
	if p == "" {
		dir, _ := os.Getwd()
		for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				p = filepath.Join(dir, ".cache", "bigquery-emulator")
				break
			}
		}
	}
	if st, err := os.Stat(p); p == "" || err != nil || st.IsDir() {
		return "", fmt.Sprintf("BigQuery emulator not built: run scripts/build-bigquery-emulator.sh (or set %s to the binary) to run the chain on BigQuery", EnvVar)
	}
	return p, ""
}

func freeTCPPort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs the emulator on loopback ports and returns the
// REST endpoint and the Storage API host:port; it stops when the test ends.
func Start(t testing.TB, bin, project string) (rest, grpcAddr string) {
	t.Helper()
	port, gport := freeTCPPort(t), freeTCPPort(t)
	logf, err := os.Create(filepath.Join(t.TempDir(), "emulator.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--project="+project, "--host=127.0.0.1",
		"--port="+strconv.Itoa(port), "--grpc-port="+strconv.Itoa(gport), "--log-level=warn")
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logf.Name())
			if len(b) > 20000 {
				b = b[len(b)-20000:]
			}
			t.Logf("emulator log (tail):\n%s", b)
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for _, p := range []int{port, gport} {
		for {
			c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", p), time.Second)
			if err == nil {
				c.Close()
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("emulator did not listen on %d within 60s", p)
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return fmt.Sprintf("http://127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", gport)
}
