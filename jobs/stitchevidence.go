package jobs

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The delta of an incremental stitch: the evidence records of the new
// loads, read once from the raw tables into the temporary table
// stitch_delta, which the checks (re-exported orders, keyless records, new
// unionid ties), the list of new records and the stitch of the delta alone
// read instead of the raw tables. The raw rows of the new loads are found by
// rowid range (delta_rows.sql): the semi join on _load_id alone would make
// DuckDB read every column of every raw row for the few it keeps.

// deltaSchema is stitch_delta's layout: the columns of every evidence
// query (identity.EvidenceSchema plus the untyped identifier columns);
// a column a table has no value for is null.
var deltaSchema = func() *arrow.Schema {
	str := func(name string) arrow.Field {
		return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
	}
	return arrow.NewSchema([]arrow.Field{
		str("rec_table"), str("rec_key"),
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		str("source"), str("channel"), str("phone"), str("email"), str("member_card"), str("buyer_id"),
		str("device_id"), str("openid"), str("unionid"), str("name"), str("store_id"), str("region"),
		str("identifier_type"), str("identifier"),
	}, nil)
}()

// evidenceTables are the rec_table values in the order the whole evidence
// reads them (evidenceQueries), with their evidence query and the channel
// every record of the table has (withConstants adds it) or "".
var evidenceTables = []struct{ table, file, channel string }{
	{"order_lines", "evidence_orders", ""}, {"social_accounts", "evidence_accounts", ""},
	{"social_interactions", "evidence_interactions", ""},
	{"campaign_contacts", "evidence_contacts", "campaign"}, {"service_tickets", "evidence_tickets", "service"},
}

// fillDelta creates stitch_delta and fills it with the evidence records of
// the loads in stitch_new_loads: the evidence queries with .Loads. An order
// is grouped over the new loads' lines only, which is its whole record once
// reexported.sql found no evidence record of it before; an interaction
// record holds the new interactions only (the part re-reads its account's
// every interaction).
func fillDelta(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect) error {
	sq := warehouse.SQLOf(d)
	q, err := stitchSQL(d, "delta_rows")
	if err != nil {
		return err
	}
	recs, err := tx.Query(ctx, q)
	if err != nil {
		return fmt.Errorf("incremental stitch: rowids of the new loads' rows: %w", err)
	}
	type span struct{ lo, hi int64 }
	spans := map[string]span{}
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			if rec.Column(1).IsNull(i) {
				continue
			}
			spans[warehouse.StringAt(rec, 0, i)] = span{warehouse.Int64At(rec, 1, i), warehouse.Int64At(rec, 2, i)}
		}
	}
	warehouse.Release(recs)
	if err := warehouse.CreateTempTable(ctx, tx, "stitch_delta", deltaSchema); err != nil {
		return fmt.Errorf("incremental stitch: %w", err)
	}
	for _, t := range evidenceTables {
		sp, ok := spans[t.table]
		if !ok {
			continue // no row of the new loads
		}
		q, err := stitchSQLWith(sq, t.file, struct {
			Part, Loads bool
			Channel     string
			Lo, Hi      int64
		}{Loads: true, Lo: sp.lo, Hi: sp.hi})
		if err != nil {
			return err
		}
		ch := ""
		if t.channel != "" {
			ch = sq.String(t.channel)
		}
		ins, err := stitchSQLWith(sq, "delta_insert", struct{ Table, Channel, Query string }{sq.String(t.table), ch, q})
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, ins); err != nil {
			return fmt.Errorf("incremental stitch: the delta's %s: %w", t.table, err)
		}
	}
	return nil
}

// readDelta reads stitch_delta, one query per table, with rec_table added
// as the whole evidence has it.
func readDelta(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect) ([]arrow.RecordBatch, error) {
	sq := warehouse.SQLOf(d)
	consts := constColumns{}
	defer consts.release()
	var evidence []arrow.RecordBatch
	for _, t := range evidenceTables {
		q, err := stitchSQLWith(sq, "delta_evidence", struct{ Table string }{sq.String(t.table)})
		if err != nil {
			return evidence, err
		}
		recs, err := tx.Query(ctx, q)
		if err != nil {
			return evidence, fmt.Errorf("incremental stitch: read the delta's %s: %w", t.table, err)
		}
		for _, rec := range recs {
			evidence = append(evidence, withConstants(rec, evidenceQuery{table: t.table}, consts))
		}
		warehouse.Release(recs)
	}
	return evidence, nil
}

// storesMoved counts the stores whose region the new loads change and
// that order lines of the covered loads name (stores_moved.sql; the lines
// are only scanned when a store moved at all).
func storesMoved(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect) (int64, error) {
	for _, referenced := range []bool{false, true} {
		q, err := stitchSQLWith(warehouse.SQLOf(d), "stores_moved", struct{ Referenced bool }{referenced})
		if err != nil {
			return 0, err
		}
		n, err := warehouse.Int64(ctx, tx, q)
		if err != nil {
			return 0, fmt.Errorf("incremental stitch: stores_moved: %w", err)
		}
		if n == 0 || referenced {
			return n, nil
		}
	}
	return 0, nil
}
