package suggest

import (
	"os"
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/source"
)

// TestMain registers the source formats with config, as cmd/crmkit does at
// start, so Check can parse a suggested block.
func TestMain(m *testing.M) {
	for _, f := range source.Formats() {
		config.RegisterFormat(f)
	}
	os.Exit(m.Run())
}
