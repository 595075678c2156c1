package ingest

import (
	"fmt"

	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// createRawSQL returns the DDL for the raw table of t: the lineage columns,
// the channel for order lines and the canonical fields, each string column
// with its DuckDB storage hint. It lives here rather than in schema so that
// schema (and config, which validates against it) does not import the
// warehouse.
func createRawSQL(t *schema.Table) string {
	// The load id and the channel are one value per file.
	dict := warehouse.CompressionDDL(warehouse.CompressDictionary)
	s := fmt.Sprintf("CREATE TABLE IF NOT EXISTS %s (%s VARCHAR NOT NULL%s, %s BIGINT NOT NULL",
		t.RawTable(), schema.ColLoadID, dict, schema.ColRow)
	if t.HasChannel() {
		s += ", channel VARCHAR" + dict
	}
	for _, f := range t.Fields {
		s += fmt.Sprintf(", %s %s", f.Name, schema.SQLType(f.Type))
		if f.Type == schema.String {
			s += warehouse.CompressionDDL(f.Compression)
		}
	}
	return s + ")"
}
