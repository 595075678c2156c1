package ingest

import (
	"embed"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

//go:embed sql/*.sql
var sqlFS embed.FS

// queries is ingest's SQL, one statement per sql/*.sql file.
var queries = sqlfile.MustParse(sqlFS, "sql")

// sqlData names the table and column a migration statement changes, and
// the raw table an unload reads (add_column, drop_column, count_raw_rows,
// delete_raw_rows).
type sqlData struct {
	Table, Column, Type, Raw string
}

// stmt renders the file name for dialect d. The files are parsed when the
// binary starts and name only fixed tables or those given in data, so a
// rendering error is a defect of this package (TestSQLFilesRender renders
// every file), not of its input: it panics.
func stmt(d warehouse.Dialect, name string, data any) string {
	s, err := queries.Render(name, warehouse.SQLOf(d), data)
	if err != nil {
		panic("ingest: " + err.Error())
	}
	return s
}
