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

// The SQL of the jobs' inputs (sql/inputs: the loaded files of a
// fingerprint, the newest order), of the purchases the value models read
// (sql/purchases) and of writing dated marts (sql/marts), rendered per call: they take the dialect's spellings
// or the config's purchase rule.
//
//go:embed sql/inputs/*.sql sql/purchases/*.sql sql/marts/*.sql
var jobsFS embed.FS

var (
	inputsSQL    = sqlfile.MustParse(jobsFS, "sql/inputs")
	purchasesSQL = sqlfile.MustParse(jobsFS, "sql/purchases")
	martsSQL     = sqlfile.MustParse(jobsFS, "sql/marts")
)

// mustRender renders a file of s that only a defect in the file can fail
// (its data is a fixed struct of strings): it panics then, as a broken file
// at start does.
func mustRender(s *sqlfile.Set, name string, d warehouse.SQL, data any) string {
	q, err := s.Render(name, d, data)
	if err != nil {
		panic(err)
	}
	return q
}

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
