package ingest

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/schema"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Creating the tables ingest owns and migrating those made by earlier
// versions (lineage columns dropped, fields added).

// EnsureTables creates the manifest, quarantine and raw tables, and drops
// from raw tables made by earlier versions the columns they no longer have
// (MigrateLineage).
func EnsureTables(ctx context.Context, wh warehouse.Warehouse) error {
	_, err := PrepareTables(ctx, wh)
	return err
}

// PrepareTables is EnsureTables, reporting whether old lineage columns were
// dropped: views over the raw tables must then be made again (jobs.Prepare
// does).
func PrepareTables(ctx context.Context, wh warehouse.Warehouse) (migrated bool, err error) {
	for _, b := range []struct {
		name   string
		schema *arrow.Schema
	}{{"load_files", LoadFilesSchema}, {"quarantine", QuarantineSchema}} {
		if err := warehouse.CreateTable(ctx, wh, b.name, b.schema); err != nil {
			return false, fmt.Errorf("create %s: %w", b.name, err)
		}
	}
	if err := addManifestColumns(ctx, wh); err != nil {
		return false, err
	}
	if migrated, err = MigrateLineage(ctx, wh); err != nil {
		return false, err
	}
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		if err := warehouse.CreateTable(ctx, wh, t.RawTable(), RawTableSchema(t)); err != nil {
			return false, fmt.Errorf("create %s: %w", t.RawTable(), err)
		}
	}
	added, err := addNewFields(ctx, wh)
	return migrated || added, err
}

// addNewFields adds schema.AddedFields to raw tables made before them, and
// reports whether it added any (views over the raw tables are then made
// again, as after MigrateLineage).
func addNewFields(ctx context.Context, wh warehouse.Warehouse) (bool, error) {
	added := false
	for table, fields := range schema.AddedFields {
		t, ok := schema.Lookup(table)
		if !ok {
			return false, fmt.Errorf("added fields of unknown table %s", table)
		}
		cols, err := warehouse.TableColumns(ctx, wh, t.RawTable())
		if err != nil {
			return false, fmt.Errorf("look up the columns of %s: %w", t.RawTable(), err)
		}
		for _, name := range fields {
			f, ok := t.Field(name)
			if !ok {
				return false, fmt.Errorf("added field %s.%s is not in the schema", table, name)
			}
			if slices.Contains(cols, name) {
				continue
			}
			if err := wh.Exec(ctx, stmt(wh.Dialect(), "add_column", sqlData{Table: t.RawTable(), Column: name, Type: schema.SQLType(f.Type)})); err != nil {
				return false, fmt.Errorf("add column %s.%s: %w", t.RawTable(), name, err)
			}
			added = true
		}
	}
	return added, nil
}

// MigrateLineage drops the per-row lineage columns earlier versions wrote
// (schema.DroppedLineageColumns, required columns there) from the raw
// tables that still have them, so that their rows match
// Table.LoadedSchema, and reports whether it dropped any. Their rows stay.
// Every raw table is created by the same version, so one lookup (of
// raw_order_lines) tells whether there is anything to do.
func MigrateLineage(ctx context.Context, wh warehouse.Warehouse) (bool, error) {
	probe, _ := schema.Lookup("order_lines")
	old, err := oldLineageColumns(ctx, wh, probe.RawTable())
	if err != nil || len(old) == 0 {
		return false, err
	}
	d := warehouse.SQLOf(wh.Dialect())
	for _, n := range schema.Names() {
		t, _ := schema.Lookup(n)
		if old, err = oldLineageColumns(ctx, wh, t.RawTable()); err != nil {
			return false, err
		}
		for _, c := range old {
			if err := wh.Exec(ctx, stmt(d, "drop_column", sqlData{Table: t.RawTable(), Column: d.Ident(c)})); err != nil {
				return false, fmt.Errorf("drop old lineage column %s.%s: %w", t.RawTable(), c, err)
			}
		}
	}
	return true, nil
}

// oldLineageColumns are the schema.DroppedLineageColumns table still has.
func oldLineageColumns(ctx context.Context, wh warehouse.Warehouse, table string) ([]string, error) {
	cols, err := warehouse.TableColumns(ctx, wh, table)
	if err != nil {
		return nil, fmt.Errorf("look up the columns of %s: %w", table, err)
	}
	var old []string
	for _, c := range schema.DroppedLineageColumns {
		if slices.Contains(cols, c) {
			old = append(old, c)
		}
	}
	return old, nil
}
