package jobs

import (
	"cmp"
	"context"
	"embed"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
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
	q, err := explainQuery(wh, "records_of", nil)
	if err != nil {
		return nil, err
	}
	recs, err := wh.Query(ctx, q, id)
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
	q, err := explainQuery(wh, "records_of", nil)
	if err != nil {
		return nil, err
	}
	recs, err := wh.Query(ctx, q, cust)
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
		q, err := explainQuery(wh, "loads_of_file", nil)
		if err != nil {
			return RecordRef{}, "", err
		}
		recs, err := wh.Query(ctx, q, file, "%/"+file)
		if err != nil {
			return RecordRef{}, "", fmt.Errorf("explain record %s %s: read load_files: %w", source, key, err)
		}
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				if f := filepath.ToSlash(warehouse.StringAt(r, 1, i)); f == file || strings.HasSuffix(f, "/"+file) {
					cands = append(cands, warehouse.StringAt(r, 0, i)+":"+row)
				}
			}
		}
		warehouse.Release(recs)
	}
	q, err := explainQuery(wh, "find_record", keysData{Keys: placeholders(len(cands))})
	if err != nil {
		return RecordRef{}, "", err
	}
	recs, err := wh.Query(ctx, q, append(anySlice(cands), "%:"+key)...)
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

// explainSQL is the explain command's SQL (jobs/sql/explain).
//
//go:embed sql/explain/*.sql
var explainFS embed.FS

var explainSQL = sqlfile.MustParse(explainFS, "sql/explain")

// explainQuery renders an explain file for wh's dialect.
func explainQuery(wh warehouse.Querier, name string, data any) (string, error) {
	return explainSQL.Render(name, warehouse.SQLOfQuerier(wh), data)
}

// keysData is the data of a file with one IN list of placeholders.
type keysData struct{ Keys string }

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
