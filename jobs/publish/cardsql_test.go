package publish

import (
	"slices"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// TestCardSQLDeclared: every table a card query file reads is one the
// publish job declares (Reads or MayRead), so the graph runs its writers
// first; the files are the ten moved out of cards.go.
func TestCardSQLDeclared(t *testing.T) {
	if len(cardSQL) != 10 {
		t.Errorf("%d card files, want 10", len(cardSQL))
	}
	declared := append(append(slices.Clone(reads), mayRead...), writes...)
	for name, q := range cardSQL {
		r, w := sqlfile.Scan(q)
		if len(w) > 0 {
			t.Errorf("%s writes %v; card queries only read", name, w)
		}
		for _, tb := range r {
			if !slices.Contains(declared, tb) {
				t.Errorf("%s reads %s, which the publish job does not declare", name, tb)
			}
		}
	}
}
