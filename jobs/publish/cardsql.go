package publish

import (
	"embed"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The scorecards' fixed queries (no part built from the period, region or
// dialect) are in sql/cards/*.sql. They name their tables bare, as the
// other card queries do, take no template data, and are rendered once at
// start: a broken file stops the binary there.
//
//go:embed sql/cards/*.sql
var cardFS embed.FS

var cardSQL = func() map[string]string {
	s := sqlfile.MustParse(cardFS, "sql/cards")
	out := map[string]string{}
	for _, n := range s.Names() {
		q, err := s.Render(n, warehouse.SQLOf(nil), nil)
		if err != nil {
			panic(err)
		}
		out[n] = q
	}
	return out
}()
