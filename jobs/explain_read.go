package jobs

// The explain command's reads: each record's evidence, file and row, the
// identity map and refusals of its identifiers, and the customer's merges
// and splits.

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// explainEvidence reads the records' identifiers and attributes with the
// stitch job's evidence queries, restricted to the records' keys.
func explainEvidence(ctx context.Context, wh warehouse.Querier, byTable map[string][]string, records map[RecordRef]*ExplainRecord) error {
	// the order channels of the records asked about
	chans := map[string]bool{}
	for _, k := range byTable["order_lines"] {
		if ch, _, ok := strings.Cut(k, ":"); ok {
			chans[ch] = true
		}
	}
	var channels []string
	for ch := range chans {
		channels = append(channels, ch)
	}
	slices.Sort(channels)
	idCols := append(slices.Clone(identity.IDTypes), "identifier")
	qs, err := evidenceQueries(warehouse.SQLOfQuerier(wh), channels, false)
	if err != nil {
		return err
	}
	for _, q := range qs {
		keys := byTable[q.table]
		if len(keys) == 0 {
			continue
		}
		sql, err := explainQuery(wh, "evidence_of", struct{ Query, Keys string }{q.sql, placeholders(len(keys))})
		if err != nil {
			return err
		}
		recs, err := wh.Query(ctx, sql, anySlice(keys)...)
		if err != nil {
			return fmt.Errorf("explain: read %s evidence: %w", q.table, err)
		}
		for _, r := range recs {
			col := func(name string) int {
				if idx := r.Schema().FieldIndices(name); len(idx) > 0 {
					return idx[0]
				}
				return -1
			}
			str := func(name string, i int) string {
				if c := col(name); c >= 0 {
					return warehouse.StringAt(r, c, i)
				}
				return ""
			}
			for i := 0; i < int(r.NumRows()); i++ {
				ref := RecordRef{q.table, str("rec_key", i)}
				rec := &ExplainRecord{RecordRef: ref, Source: str("source", i), Name: str("name", i)}
				if c := col("ts"); c >= 0 && r.Column(c).IsValid(i) {
					rec.TS = tsString(r.Column(c), i)
				}
				for _, name := range idCols {
					raw := str(name, i)
					if raw == "" {
						continue
					}
					id := ExplainIdentifier{Column: name, Raw: raw, Type: name}
					if name == "identifier" {
						id.Declared = str("identifier_type", i)
						id.Type = id.Declared
					}
					rec.Identifiers = append(rec.Identifiers, id)
				}
				records[ref] = rec
			}
		}
		warehouse.Release(recs)
	}
	return nil
}

func tsString(a arrow.Array, i int) string {
	if ts, ok := a.(interface {
		Value(int) arrow.Timestamp
		DataType() arrow.DataType
	}); ok {
		if tt, ok := ts.DataType().(*arrow.TimestampType); ok {
			return ts.Value(i).ToTime(tt.Unit).UTC().Format(time.RFC3339)
		}
	}
	return a.ValueStr(i)
}

// explainLocations fills the source file and row of the records: a
// record keyed load_id:row is that row; an order is its first line; a
// social interaction record its first interaction.
func explainLocations(ctx context.Context, wh warehouse.Querier, byTable map[string][]string, records map[RecordRef]*ExplainRecord) error {
	type loc struct {
		load string
		row  int64
	}
	locs := map[RecordRef]loc{}
	first := func(table, keyExpr, raw string) error {
		keys := byTable[table]
		if len(keys) == 0 {
			return nil
		}
		q, err := explainQuery(wh, "first_row", struct{ KeyExpr, Raw, Keys string }{keyExpr, raw, placeholders(len(keys))})
		if err != nil {
			return err
		}
		recs, err := wh.Query(ctx, q, anySlice(keys)...)
		if err != nil {
			return fmt.Errorf("explain: locate %s records: %w", table, err)
		}
		defer warehouse.Release(recs)
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				l, row, _ := strings.Cut(warehouse.StringAt(r, 1, i), "|")
				n, _ := strconv.ParseInt(row, 10, 64)
				locs[RecordRef{table, warehouse.StringAt(r, 0, i)}] = loc{l, n}
			}
		}
		return nil
	}
	if err := first("order_lines", `channel || ':' || order_id`, "raw_order_lines"); err != nil {
		return err
	}
	if err := first("social_interactions", `platform || ':' || openid`, "raw_social_interactions"); err != nil {
		return err
	}
	for table, keys := range byTable {
		if table == "order_lines" || table == "social_interactions" {
			continue
		}
		for _, k := range keys {
			if i := strings.LastIndexByte(k, ':'); i > 0 {
				if n, err := strconv.ParseInt(k[i+1:], 10, 64); err == nil {
					locs[RecordRef{table, k}] = loc{k[:i], n}
				}
			}
		}
	}
	loads := map[string]bool{}
	for _, l := range locs {
		loads[l.load] = true
	}
	if len(loads) == 0 {
		return nil
	}
	var ids []string
	for l := range loads {
		ids = append(ids, l)
	}
	q, err := explainQuery(wh, "load_files_of", keysData{Keys: placeholders(len(ids))})
	if err != nil {
		return err
	}
	recs, err := wh.Query(ctx, q, anySlice(ids)...)
	if err != nil {
		return fmt.Errorf("explain: read load_files: %w", err)
	}
	defer warehouse.Release(recs)
	type file struct{ source, name string }
	files := map[string]file{}
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			files[warehouse.StringAt(r, 0, i)] = file{warehouse.StringAt(r, 1, i), warehouse.StringAt(r, 2, i)}
		}
	}
	for ref, l := range locs {
		rec, ok := records[ref]
		if !ok {
			continue
		}
		f := files[l.load]
		rec.File, rec.Row = filepath.ToSlash(f.name), l.row
		if rec.Source == "" {
			rec.Source = f.source
		}
	}
	return nil
}

// explainMapped returns the customer of each key found in identity_map.
func explainMapped(ctx context.Context, wh warehouse.Querier, keys map[explainKey]bool) (map[explainKey]string, error) {
	out := map[explainKey]string{}
	err := byKeys(keys, func(where string, args []any) error {
		q, err := explainQuery(wh, "mapped", struct{ Where string }{where})
		if err != nil {
			return err
		}
		recs, err := wh.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("explain: read identity_map: %w", err)
		}
		defer warehouse.Release(recs)
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				out[explainKey{warehouse.StringAt(r, 0, i), warehouse.StringAt(r, 1, i)}] = warehouse.StringAt(r, 2, i)
			}
		}
		return nil
	})
	return out, err
}

// explainBlocked returns the blocked_identifiers rows of the keys.
func explainBlocked(ctx context.Context, wh warehouse.Querier, keys map[explainKey]bool) (map[explainKey]ExplainRefused, error) {
	out := map[explainKey]ExplainRefused{}
	ok, err := warehouse.TableExists(ctx, wh, "blocked_identifiers")
	if err != nil || !ok {
		return out, err
	}
	err = byKeys(keys, func(where string, args []any) error {
		q, err := explainQuery(wh, "blocked", struct{ Where string }{where})
		if err != nil {
			return err
		}
		recs, err := wh.Query(ctx, q, args...)
		if err != nil {
			return fmt.Errorf("explain: read blocked_identifiers: %w", err)
		}
		defer warehouse.Release(recs)
		for _, r := range recs {
			col := func(name string) int {
				if idx := r.Schema().FieldIndices(name); len(idx) > 0 {
					return idx[0]
				}
				return -1
			}
			for i := 0; i < int(r.NumRows()); i++ {
				k := explainKey{warehouse.StringAt(r, col("id_type"), i), warehouse.StringAt(r, col("id_value"), i)}
				b := ExplainRefused{Identifier: k.typ + ":" + k.value, Reason: warehouse.StringAt(r, col("reason"), i),
					StrongIDs: warehouse.Int64At(r, col("strong_ids"), i), WeakIDs: warehouse.Int64At(r, col("weak_ids"), i),
					AllRecords: warehouse.Int64At(r, col("records"), i)}
				if c := col("detail"); c >= 0 {
					b.Detail = warehouse.StringAt(r, c, i)
				}
				out[k] = b
			}
		}
		return nil
	})
	return out, err
}

// byKeys calls f with a condition on (id_type, id_value) for the keys, a
// few hundred at a time.
func byKeys(keys map[explainKey]bool, f func(where string, args []any) error) error {
	var all []explainKey
	for k := range keys {
		all = append(all, k)
	}
	for len(all) > 0 {
		n := min(len(all), 300)
		var conds []string
		var args []any
		for _, k := range all[:n] {
			conds = append(conds, "(id_type = ? AND id_value = ?)")
			args = append(args, k.typ, k.value)
		}
		if err := f(strings.Join(conds, " OR "), args); err != nil {
			return err
		}
		all = all[n:]
	}
	return nil
}

// explainHistory lists the merges and splits involving the customer id,
// oldest run first.
func explainHistory(ctx context.Context, wh warehouse.Querier, cust string) ([]ExplainChange, error) {
	ok, err := warehouse.TableExists(ctx, wh, "identity_changes")
	if err != nil || !ok {
		return nil, err
	}
	runs, err := warehouse.TableExists(ctx, wh, "job_runs")
	if err != nil {
		return nil, err
	}
	q, err := explainQuery(wh, "history", struct{ Runs bool }{runs})
	if err != nil {
		return nil, err
	}
	recs, err := wh.Query(ctx, q, cust, cust)
	if err != nil {
		return nil, fmt.Errorf("explain: read identity_changes: %w", err)
	}
	defer warehouse.Release(recs)
	var out []ExplainChange
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			out = append(out, ExplainChange{RunID: warehouse.StringAt(r, 0, i), Change: warehouse.StringAt(r, 1, i),
				Surviving: warehouse.StringAt(r, 2, i), Absorbed: warehouse.StringAt(r, 3, i), Identifier: warehouse.StringAt(r, 4, i)})
		}
	}
	return out, nil
}
