package jobs

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// identity_evidence keeps the evidence records the identity graph was
// built from: one row per record (rec_table, rec_key), in the columns the
// evidence queries give (evidenceTableSchema; a column a table has no
// value for is null), for exactly the loads of identity_graph_loads. The
// full stitch writes it from the batches it stitches, in the transaction
// that records the graph; the incremental stitch adds the delta's records
// (an interaction record, which spans loads, is merged: merge_interactions.sql)
// and reads the touched customers' records from it instead of regrouping
// the raw lines. A record's values depend only on its own rows, its load's
// source and its store's region; stitchDelta rebuilds when a new load moves
// a store that orders of the evidence name (stores_moved.sql). Orders without
// a channel have no key and are kept with rec_key null (no part reads them).

// evidenceTableSchema is identity_evidence's layout: identity.EvidenceSchema
// plus the untyped identifier columns, with storage hints.
var evidenceTableSchema = func() *arrow.Schema {
	str := func(name, hint string) arrow.Field {
		return warehouse.Compressed(arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}, hint)
	}
	none, dict := warehouse.CompressNone, warehouse.CompressDictionary
	return arrow.NewSchema([]arrow.Field{
		str("rec_table", dict), str("rec_key", none),
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		str("source", dict), str("channel", dict),
		str("phone", none), str("email", none), str("member_card", none), str("buyer_id", none),
		str("device_id", none), str("openid", none), str("unionid", none), str("name", none),
		str("store_id", dict), str("region", dict), str("identifier_type", dict), str("identifier", none),
	}, nil)
}()

// conformEvidence returns the evidence batches (withConstants: each with
// the columns its query gave a value) in evidenceTableSchema, the missing
// columns null; columns are shared, not copied. release releases the
// returned batches and the null columns.
func conformEvidence(recs []arrow.RecordBatch) (out []arrow.RecordBatch, release func(), err error) {
	nulls := map[string]arrow.Array{}
	var owned []arrow.Array
	release = func() {
		warehouse.Release(out)
		for _, a := range nulls {
			a.Release()
		}
		for _, a := range owned {
			a.Release()
		}
	}
	fields := evidenceTableSchema.Fields()
	for _, rec := range recs {
		n := int(rec.NumRows())
		cols := make([]arrow.Array, len(fields))
		for i, f := range fields {
			if idx := rec.Schema().FieldIndices(f.Name); len(idx) > 0 {
				c := rec.Column(idx[0])
				if !arrow.TypeEqual(c.DataType(), f.Type) {
					// the same instants in another zone's name (the
					// session's TimeZone): the values are UTC either way
					ct, ok1 := c.DataType().(*arrow.TimestampType)
					ft, ok2 := f.Type.(*arrow.TimestampType)
					if !ok1 || !ok2 || ct.Unit != ft.Unit {
						release()
						return nil, nil, fmt.Errorf("identity evidence: column %s is %s, identity_evidence stores %s", f.Name, c.DataType(), f.Type)
					}
					d := c.Data()
					nd := array.NewData(f.Type, d.Len(), d.Buffers(), nil, d.NullN(), d.Offset())
					c = array.MakeFromData(nd)
					nd.Release()
					owned = append(owned, c)
				}
				cols[i] = c
				continue
			}
			k := fmt.Sprintf("%d:%s", n, f.Type)
			if _, ok := nulls[k]; !ok {
				nulls[k] = array.MakeArrayOfNull(evidenceAlloc, f.Type, n)
			}
			cols[i] = nulls[k]
		}
		out = append(out, array.NewRecordBatch(evidenceTableSchema, cols, int64(n)))
	}
	return out, release, nil
}

// writeEvidenceTable replaces identity_evidence with the evidence batches.
func writeEvidenceTable(ctx context.Context, wh warehouse.Warehouse, tx warehouse.Tx, evidence []arrow.RecordBatch) error {
	recs, release, err := conformEvidence(evidence)
	if err != nil {
		return err
	}
	defer release()
	return replaceIn(ctx, wh, tx, "identity_evidence", evidenceTableSchema, recs)
}

// evidenceTables are the rec_table values in the order the whole evidence
// reads them (evidenceQueries), with the channel every record of the
// table has (withConstants adds it) or "".
var evidenceTables = []struct{ table, channel string }{
	{"order_lines", ""}, {"social_accounts", ""}, {"social_interactions", ""},
	{"campaign_contacts", "campaign"}, {"service_tickets", "service"},
}

// fillDelta creates stitch_delta (evidenceTableSchema) and fills it with
// the evidence records of the loads in stitch_new_loads: the evidence
// queries with .Loads. An order is grouped over the new loads' lines only,
// which is its whole record once reexported.sql found no line of it in a
// covered load; an interaction record holds the new interactions only
// until merge_interactions.sql.
func fillDelta(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect) error {
	if err := warehouse.CreateTempTable(ctx, tx, "stitch_delta", warehouse.Nullable(evidenceTableSchema)); err != nil {
		return fmt.Errorf("incremental stitch: %w", err)
	}
	sq := warehouse.SQLOf(d)
	for _, t := range evidenceTables {
		file := map[string]string{"order_lines": "evidence_orders", "social_accounts": "evidence_accounts",
			"social_interactions": "evidence_interactions", "campaign_contacts": "evidence_contacts", "service_tickets": "evidence_tickets"}[t.table]
		q, err := stitchSQLWith(sq, file, struct {
			Loads   bool
			Channel string
		}{Loads: true})
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

// readPart reads the evidence records listed in stitch_records from
// identity_evidence, or (delta) from stitch_delta, one query per table,
// with rec_table added as the whole evidence has it.
func readPart(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect, delta bool) ([]arrow.RecordBatch, error) {
	sq := warehouse.SQLOf(d)
	consts := constColumns{}
	defer consts.release()
	var evidence []arrow.RecordBatch
	for _, t := range evidenceTables {
		q, err := stitchSQLWith(sq, "part_evidence", struct {
			Table string
			Delta bool
		}{sq.String(t.table), delta})
		if err != nil {
			return evidence, err
		}
		recs, err := tx.Query(ctx, q)
		if err != nil {
			return evidence, fmt.Errorf("incremental stitch: read the %s evidence: %w", t.table, err)
		}
		for _, rec := range recs {
			evidence = append(evidence, withConstants(rec, evidenceQuery{table: t.table}, consts))
		}
		warehouse.Release(recs)
	}
	return evidence, nil
}
