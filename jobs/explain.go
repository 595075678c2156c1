package jobs

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Explanation says why records are one customer: the customer's records
// with where they came from, the identifiers that joined them as a path
// from the first record to every other, the identifiers refused on them and
// why, and the merges and splits of the customer's id. It is read from the
// tables the stitch job wrote and from the raw tables, with the identifiers
// normalised again as the stitch job reads them.
type Explanation struct {
	CustomerID string `json:"customer_id,omitempty"`
	// Record is the record asked about (explain record), else nil.
	Record  *RecordRef      `json:"record,omitempty"`
	Records []ExplainRecord `json:"records"`
	// Links join every record but the first to an earlier one: a
	// spanning tree of the records over their usable identifiers, built
	// breadth first from the first record (earliest ts, then table and
	// key), so following From links leads back to it.
	Links   []ExplainLink    `json:"links"`
	Refused []ExplainRefused `json:"refused"`
	History []ExplainChange  `json:"history"`
}

// RecordRef names an evidence record as identity_assignments does.
type RecordRef struct {
	Table string `json:"table"`
	Key   string `json:"key"`
}

func (r RecordRef) String() string { return r.Table + ":" + r.Key }

// ExplainRecord is one record of the customer.
type ExplainRecord struct {
	RecordRef
	Source string `json:"source"`
	File   string `json:"file"`
	// Row is the record's row in its file as the loader numbers it (_row:
	// the line for CSV, the header being line 1); for an order, its first
	// line.
	Row         int64               `json:"row"`
	TS          string              `json:"ts,omitempty"`
	Name        string              `json:"name,omitempty"`
	CustomerID  string              `json:"customer_id,omitempty"`
	Identifiers []ExplainIdentifier `json:"identifiers"`
}

// ExplainIdentifier is one identifier value of a record: as written, and
// as the stitch job reads it.
type ExplainIdentifier struct {
	Column string `json:"column"` // evidence column (identifier for untyped values)
	// Declared is the identifier_type written beside an untyped value.
	Declared string `json:"declared_type,omitempty"`
	Raw      string `json:"raw"`
	Type     string `json:"type"`
	Value    string `json:"value,omitempty"` // normalised; empty when invalid
	// Status: linked (in identity_map, of this customer), other_customer
	// (in identity_map under another id), refused (in blocked_identifiers),
	// invalid (not an identifier after normalisation).
	Status string `json:"status"`
	Reason string `json:"reason,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// ExplainLink is one step of the path: record From and record To share
// the usable identifier Identifier ("type:value").
type ExplainLink struct {
	From       RecordRef `json:"from"`
	Identifier string    `json:"identifier"`
	To         RecordRef `json:"to"`
}

// ExplainRefused is an identifier of the customer's records that links
// nothing, and why.
type ExplainRefused struct {
	Identifier string      `json:"identifier"`
	Reason     string      `json:"reason"`
	Detail     string      `json:"detail,omitempty"`
	StrongIDs  int64       `json:"strong_ids,omitempty"`
	WeakIDs    int64       `json:"weak_ids,omitempty"`
	AllRecords int64       `json:"all_records,omitempty"` // records carrying it, all customers
	Records    []RecordRef `json:"records"`               // this customer's records carrying it
}

// ExplainChange is a merge or split that involved the customer's id.
type ExplainChange struct {
	RunID      string `json:"run_id"`
	Change     string `json:"change"`
	Surviving  string `json:"surviving_id"`
	Absorbed   string `json:"absorbed_id"`
	Identifier string `json:"identifier,omitempty"`
}

// ErrNotFound is returned (wrapped) when the customer or record is not in
// the identity tables.
var ErrNotFound = errors.New("not found")

// ExplainCustomer explains customer id.
func ExplainCustomer(ctx context.Context, cfg *config.Config, wh warehouse.Querier, id string) (*Explanation, error) {
	if err := needTables(ctx, wh, "identity_assignments", "identity_map"); err != nil {
		return nil, err
	}
	recs, err := wh.Query(ctx, `SELECT rec_table, rec_key FROM identity_assignments WHERE customer_id = ?`, id)
	if err != nil {
		return nil, fmt.Errorf("explain customer %s: read identity_assignments: %w", id, err)
	}
	refs := refsOf(recs)
	warehouse.Release(recs)
	if len(refs) == 0 {
		return nil, fmt.Errorf("explain customer %s: %w in identity_assignments", id, ErrNotFound)
	}
	return explain(ctx, cfg, wh, id, refs, nil)
}

// ExplainRecordOf explains the customer of one record, named by its
// source (the config source name or the record's table) and key: the
// rec_key of identity_assignments, an order's order id, or FILE:ROW (the
// file's name and the row as ExplainRecord.Row numbers it). A record without a customer is
// explained alone.
func ExplainRecordOf(ctx context.Context, cfg *config.Config, wh warehouse.Querier, source, key string) (*Explanation, error) {
	if err := needTables(ctx, wh, "identity_assignments", "identity_map"); err != nil {
		return nil, err
	}
	ref, cust, err := findRecord(ctx, cfg, wh, source, key)
	if err != nil {
		return nil, err
	}
	if cust == "" {
		return explain(ctx, cfg, wh, "", []RecordRef{ref}, &ref)
	}
	recs, err := wh.Query(ctx, `SELECT rec_table, rec_key FROM identity_assignments WHERE customer_id = ?`, cust)
	if err != nil {
		return nil, fmt.Errorf("explain record %s %s: read identity_assignments: %w", source, key, err)
	}
	refs := refsOf(recs)
	warehouse.Release(recs)
	return explain(ctx, cfg, wh, cust, refs, &ref)
}

func needTables(ctx context.Context, wh warehouse.Querier, tables ...string) error {
	for _, t := range tables {
		ok, err := warehouse.TableExists(ctx, wh, t)
		if err != nil {
			return fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			return fmt.Errorf("table %s does not exist: run the stitch job first (crmkit run stitch --with-deps)", t)
		}
	}
	return nil
}

func refsOf(recs []arrow.RecordBatch) []RecordRef {
	var out []RecordRef
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			out = append(out, RecordRef{warehouse.StringAt(r, 0, i), warehouse.StringAt(r, 1, i)})
		}
	}
	return out
}

// findRecord finds the record a user names (see ExplainRecordOf) and its
// customer id ("" when it has none).
func findRecord(ctx context.Context, cfg *config.Config, wh warehouse.Querier, source, key string) (RecordRef, string, error) {
	tables := map[string]bool{}
	for _, s := range cfg.Sources {
		if s.Name == source {
			tables[s.Table] = true
		}
	}
	if len(tables) == 0 {
		tables[source] = true
	}
	cands := []string{key}
	if file, row, ok := strings.Cut(key, ":"); ok {
		// FILE:ROW -> load_id:row through load_files
		recs, err := wh.Query(ctx, `SELECT DISTINCT load_id, file FROM load_files WHERE file = ? OR file LIKE ?`, file, "%/"+file)
		if err != nil {
			return RecordRef{}, "", fmt.Errorf("explain record %s %s: read load_files: %w", source, key, err)
		}
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				// LIKE reads _ and % in the name as wildcards
				if f := filepath.ToSlash(warehouse.StringAt(r, 1, i)); f == file || strings.HasSuffix(f, "/"+file) {
					cands = append(cands, warehouse.StringAt(r, 0, i)+":"+row)
				}
			}
		}
		warehouse.Release(recs)
	}
	recs, err := wh.Query(ctx, `SELECT rec_table, rec_key, customer_id FROM identity_assignments
		WHERE rec_key IN (`+placeholders(len(cands))+`) OR (rec_table = 'order_lines' AND rec_key LIKE ?)`, append(anySlice(cands), "%:"+key)...)
	if err != nil {
		return RecordRef{}, "", fmt.Errorf("explain record %s %s: read identity_assignments: %w", source, key, err)
	}
	defer warehouse.Release(recs)
	var found []RecordRef
	var custs []string
	for _, r := range recs {
		for i := 0; i < int(r.NumRows()); i++ {
			ref := RecordRef{warehouse.StringAt(r, 0, i), warehouse.StringAt(r, 1, i)}
			if !tables[ref.Table] {
				continue
			}
			if ref.Table == "order_lines" && ref.Key != key {
				if _, id, _ := strings.Cut(ref.Key, ":"); id != key {
					continue
				}
			}
			found = append(found, ref)
			custs = append(custs, warehouse.StringAt(r, 2, i))
		}
	}
	// an order id shared by two channels of one source is ambiguous
	switch len(found) {
	case 0:
		return RecordRef{}, "", fmt.Errorf("explain record %s %s: %w in identity_assignments (give the rec_key, an order id or FILE:ROW)", source, key, ErrNotFound)
	case 1:
		return found[0], custs[0], nil
	}
	var names []string
	for _, f := range found {
		names = append(names, f.String())
	}
	return RecordRef{}, "", fmt.Errorf("explain record %s %s: %d records match (%s); give the rec_key", source, key, len(found), strings.Join(names, ", "))
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// explainKey is a (type, normalised value) pair.
type explainKey struct{ typ, value string }

func explain(ctx context.Context, cfg *config.Config, wh warehouse.Querier, cust string, refs []RecordRef, focus *RecordRef) (*Explanation, error) {
	ex := &Explanation{CustomerID: cust, Record: focus}
	byTable := map[string][]string{}
	for _, r := range refs {
		byTable[r.Table] = append(byTable[r.Table], r.Key)
	}
	records := map[RecordRef]*ExplainRecord{}
	if err := explainEvidence(ctx, wh, byTable, records); err != nil {
		return nil, err
	}
	if err := explainLocations(ctx, wh, byTable, records); err != nil {
		return nil, err
	}
	for _, r := range refs {
		if _, ok := records[r]; !ok {
			// assigned by an earlier stitch, raw rows gone since
			records[r] = &ExplainRecord{RecordRef: r}
		}
	}
	// normalise every identifier as the stitch job does
	icfg := IdentityConfig(cfg)
	keys := map[explainKey]bool{}
	for _, rec := range records {
		for i := range rec.Identifiers {
			id := &rec.Identifiers[i]
			var ok bool
			if id.Column == "identifier" {
				id.Type, id.Value, ok = identity.Classify(id.Raw, id.Type, icfg)
			} else {
				id.Value, ok = identity.Normalize(id.Type, id.Raw, icfg.DefaultRegion)
			}
			if !ok {
				id.Value, id.Status, id.Reason = "", "invalid", "not a valid "+id.Type
				continue
			}
			keys[explainKey{id.Type, id.Value}] = true
		}
	}
	mapped, err := explainMapped(ctx, wh, keys)
	if err != nil {
		return nil, err
	}
	refused, err := explainBlocked(ctx, wh, keys)
	if err != nil {
		return nil, err
	}
	for _, rec := range records {
		rec.CustomerID = cust
		for i := range rec.Identifiers {
			id := &rec.Identifiers[i]
			if id.Status != "" {
				continue
			}
			k := explainKey{id.Type, id.Value}
			if b, ok := refused[k]; ok {
				id.Status, id.Reason, id.Detail = "refused", b.Reason, b.Detail
				continue
			}
			switch c, ok := mapped[k]; {
			case !ok:
				id.Status, id.Reason = "invalid", "not in identity_map"
			case c == cust:
				id.Status = "linked"
			default:
				id.Status, id.Reason = "other_customer", c
			}
		}
	}
	for _, rec := range records {
		ex.Records = append(ex.Records, *rec)
	}
	slices.SortFunc(ex.Records, func(a, b ExplainRecord) int {
		return cmp.Or(cmp.Compare(tsSortKey(a.TS), tsSortKey(b.TS)), cmp.Compare(a.Table, b.Table), cmp.Compare(a.Key, b.Key))
	})
	ex.Links = explainLinks(ex.Records)
	ex.Refused = explainRefused(ex.Records, refused)
	if cust != "" {
		if ex.History, err = explainHistory(ctx, wh, cust); err != nil {
			return nil, err
		}
	}
	return ex, nil
}

func tsSortKey(ts string) string {
	if ts == "" {
		return "\xff"
	}
	return ts
}

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
	qs, err := evidenceQueries(warehouse.SQLOfQuerier(wh), channels, false, false)
	if err != nil {
		return err
	}
	for _, q := range qs {
		keys := byTable[q.table]
		if len(keys) == 0 {
			continue
		}
		recs, err := wh.Query(ctx, `SELECT * FROM (`+q.sql+`) e WHERE rec_key IN (`+placeholders(len(keys))+`)`, anySlice(keys)...)
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
		recs, err := wh.Query(ctx, `SELECT k, min(_load_id || '|' || lpad(CAST(_row AS VARCHAR), 12, '0')) FROM (
			SELECT `+keyExpr+` AS k, _load_id, _row FROM `+raw+`) x WHERE k IN (`+placeholders(len(keys))+`) GROUP BY k`, anySlice(keys)...)
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
	recs, err := wh.Query(ctx, `SELECT load_id, min(source), min(file) FROM load_files WHERE load_id IN (`+placeholders(len(ids))+`) GROUP BY load_id`, anySlice(ids)...)
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
		recs, err := wh.Query(ctx, `SELECT id_type, id_value, customer_id FROM identity_map WHERE `+where, args...)
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
		recs, err := wh.Query(ctx, `SELECT * FROM blocked_identifiers WHERE `+where, args...)
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

// explainLinks builds the breadth-first spanning tree of the records over
// their linked identifiers, from the first record.
func explainLinks(recs []ExplainRecord) []ExplainLink {
	byIdent := map[string][]int{}
	for i, r := range recs {
		for _, id := range r.Identifiers {
			if id.Status == "linked" {
				k := id.Type + ":" + id.Value
				if l := byIdent[k]; len(l) == 0 || l[len(l)-1] != i {
					byIdent[k] = append(byIdent[k], i)
				}
			}
		}
	}
	var links []ExplainLink
	seen := make([]bool, len(recs))
	for start := range recs {
		if seen[start] {
			continue
		}
		seen[start] = true
		queue := []int{start}
		for len(queue) > 0 {
			i := queue[0]
			queue = queue[1:]
			used := map[string]bool{}
			for _, id := range recs[i].Identifiers {
				k := id.Type + ":" + id.Value
				if id.Status != "linked" || used[k] {
					continue
				}
				used[k] = true
				for _, j := range byIdent[k] {
					if !seen[j] {
						seen[j] = true
						queue = append(queue, j)
						links = append(links, ExplainLink{From: recs[i].RecordRef, Identifier: k, To: recs[j].RecordRef})
					}
				}
			}
		}
	}
	return links
}

// explainRefused lists the refused and invalid identifiers of the records.
func explainRefused(recs []ExplainRecord, blocked map[explainKey]ExplainRefused) []ExplainRefused {
	var out []ExplainRefused
	idx := map[string]int{}
	for _, r := range recs {
		for _, id := range r.Identifiers {
			if id.Status != "refused" && id.Status != "invalid" {
				continue
			}
			k := id.Type + ":" + id.Value
			if id.Status == "invalid" {
				k = id.Column + ":" + id.Raw
			}
			i, ok := idx[k]
			if !ok {
				e := ExplainRefused{Identifier: k, Reason: id.Reason, Detail: id.Detail}
				if id.Status == "refused" {
					e = blocked[explainKey{id.Type, id.Value}]
				}
				i = len(out)
				idx[k] = i
				out = append(out, e)
			}
			if rs := out[i].Records; len(rs) == 0 || rs[len(rs)-1] != r.RecordRef {
				out[i].Records = append(out[i].Records, r.RecordRef)
			}
		}
	}
	return out
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
	order := "c.run_id"
	from := "identity_changes c"
	if runs {
		from += " LEFT JOIN (SELECT run_id, min(started) AS started FROM job_runs GROUP BY run_id) r ON r.run_id = c.run_id"
		order = "r.started, c.run_id"
	}
	recs, err := wh.Query(ctx, `SELECT c.run_id, c.change, c.surviving_id, c.absorbed_id, c.identifier FROM `+from+`
		WHERE c.surviving_id = ? OR c.absorbed_id = ? ORDER BY `+order+`, c.change, c.absorbed_id`, cust, cust)
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
