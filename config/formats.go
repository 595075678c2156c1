package config

import (
	"sort"
	"strings"
	"sync"
)

// The source formats a config may name. config cannot import pipeline/source
// (it is a leaf), so cmd/crmkit registers every format the source registry
// has, once at start; until then no format is accepted, so a binary that
// forgot the registration rejects every source loudly instead of reading
// with a reader that is not there.
var (
	formatsMu sync.RWMutex
	formats   = map[string]bool{}
)

// RegisterFormat adds a source format name the config accepts.
func RegisterFormat(name string) {
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats[name] = true
}

func formatRegistered(name string) bool {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	return formats[name]
}

// registeredFormats lists the accepted formats for error messages.
func registeredFormats() string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	if len(formats) == 0 {
		return "none registered: the binary did not call config.RegisterFormat"
	}
	names := make([]string, 0, len(formats))
	for n := range formats {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}
