package config

import (
	"os"
	"testing"
)

// TestMain registers the formats cmd/crmkit registers from pipeline/source,
// which config's tests cannot import.
func TestMain(m *testing.M) {
	for _, f := range []string{"csv", "ndjson", "parquet", "xlsx"} {
		RegisterFormat(f)
	}
	os.Exit(m.Run())
}

func TestRegisteredFormatsMessage(t *testing.T) {
	if got, want := registeredFormats(), "csv, ndjson, parquet, xlsx"; got != want {
		t.Fatalf("registeredFormats() = %q, want %q", got, want)
	}
	if formatRegistered("json") {
		t.Fatal(`"json" accepted without registration`)
	}
}
