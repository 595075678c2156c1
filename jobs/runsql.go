package jobs

import (
	"embed"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// The run-history statements (job_runs, and source_checks when pruning)
// are in sql/runs/*.sql. They name their tables bare, as the bookkeeping
// statements always have, take no template data, and are rendered once
// at start: a broken file stops the binary there.
//
//go:embed sql/runs/*.sql
var runsFS embed.FS

var runsSQL = renderAll(sqlfile.MustParse(runsFS, "sql/runs"))

// The source checks' statements, likewise (sql/checks/*.sql).
//
//go:embed sql/checks/*.sql
var checksFS embed.FS

var checksSQL = renderAll(sqlfile.MustParse(checksFS, "sql/checks"))

func renderAll(s *sqlfile.Set) map[string]string {
	out := map[string]string{}
	for _, n := range s.Names() {
		q, err := s.Render(n, warehouse.SQLOf(nil), nil)
		if err != nil {
			panic(err)
		}
		out[n] = q
	}
	return out
}
