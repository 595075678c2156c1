package metricjobs

import (
	"os"
	"testing"
)

// TestMain registers this package's jobs as cmd/crmkit does at start.
func TestMain(m *testing.M) {
	Register()
	os.Exit(m.Run())
}
