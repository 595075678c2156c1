package jobs

import (
	"context"
	"fmt"
	"runtime/debug"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/offheap"
	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// Evidence: one record per order (order lines of one order share
// identifiers), one per (platform, openid) of the social interactions (an
// interaction carries nothing but its account's openid, so its many rows
// are one record: first seen at the earliest one), and one per row of the
// other identity-bearing tables, with identifiers as written;
// normalisation happens in the model. rec_key is what core uses to join the
// customer id back. Interactions without an openid have no identifier and
// stay anonymous.
//
// The region of an order is its store's, joined once per order rather
// than once per line. There is one query per table (order lines one per
// channel). Running them
// one at a time keeps only one DuckDB result materialised beside the Arrow
// batches already read, instead of the whole union at once. A query selects
// only the columns that can hold a value: columns that are null for the
// whole table are left out (identity.Stitch reads a missing column as
// null), and rec_table and a channel that is the same for every row are
// added in Go as one shared array (evidenceQuery), so the evidence batches
// do not carry millions of copies of a constant. A record's source is its
// load's, from load_files. The queries are jobs/stitchinc/evidence_*.sql.

// evidenceQuery is one evidence query and the constant columns added to
// its rows: rec_table, and channel unless empty (then the query selects
// channel, or has none: null).
type evidenceQuery struct {
	table, channel, sql string
}

// evidenceQueries lists the evidence queries for the order-line channels
// present (one query each, and one for lines without a channel).
// With part set, each query keeps only the records listed in the
// temporary table stitch_records (rec_table, rec_key; a key may be listed
// twice, so it is read as a set): order lines and
// interactions before they are grouped into records (through
// stitch_orders and stitch_openids, the same keys split into their
// columns), the other tables' records after; the order lines of every
// channel then come in one query (a part is small, so the channel column
// costs little, and each pass scans all the lines; an order without a
// channel has no key and is never in a part). The delta of an incremental
// stitch is read by fillDelta.
func evidenceQueries(d warehouse.SQL, channels []string, part bool) ([]evidenceQuery, error) {
	type data struct {
		Part, Loads bool
		Channel     string // a quoted literal; empty: the orders without a channel
		Lo, Hi      int64
	}
	var qs []evidenceQuery
	add := func(table, channel, file string, dt data) error {
		q, err := stitchSQLWith(d, file, dt)
		if err != nil {
			return err
		}
		qs = append(qs, evidenceQuery{table, channel, q})
		return nil
	}
	if part {
		if err := add("order_lines", "", "evidence_orders", data{Part: true}); err != nil {
			return nil, err
		}
	} else {
		for _, ch := range channels {
			if err := add("order_lines", ch, "evidence_orders", data{Channel: d.String(ch)}); err != nil {
				return nil, err
			}
		}
		if err := add("order_lines", "", "evidence_orders", data{}); err != nil {
			return nil, err
		}
	}
	for _, q := range []struct{ table, channel, file string }{
		{"social_accounts", "", "evidence_accounts"},
		{"social_interactions", "", "evidence_interactions"},
		{"campaign_contacts", "campaign", "evidence_contacts"},
		{"service_tickets", "service", "evidence_tickets"},
	} {
		if err := add(q.table, q.channel, q.file, data{Part: part}); err != nil {
			return nil, err
		}
	}
	return qs, nil
}

// StitchJob builds the stitch job: it reads the evidence and the previous
// identity_map, runs identity.Stitch and replaces identity_assignments,
// identity_map, blocked_identifiers, customers and identity_stats in one
// transaction, appending merges and splits to identity_changes.
func StitchJob() *Job {
	return &Job{Name: JobStitch, Group: "identity", Run: runStitch, Fingerprint: rawFingerprint, Alone: true,
		Reads: stitchReads, Writes: stitchWrites}
}

// rawFingerprint changes whenever a file is loaded.
func rawFingerprint(ctx context.Context, env *Env) (string, error) {
	var n, last *string
	q, err := stitchSQL(env.WH.Dialect(), "loaded_files")
	if err != nil {
		return "", err
	}
	if err := env.WH.QueryRow(ctx, q, nil, &n, &last); err != nil {
		return "", err
	}
	id := env.Cfg.Identity
	return fmt.Sprintf("%v|%v|%v|%d|%v|%v|%+v", deref(n), deref(last), id.Blocklist, id.MaxStrongIDs, id.BlockPatterns, id.SourcePriority, id.IdentityRules), nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// runStitch links the new loads into the identity graph (stitchDelta) when
// it can, and rebuilds it from the whole evidence otherwise (see
// stitchinc.go); the job message says which, and why.
func runStitch(ctx context.Context, env *Env) (Result, error) {
	reason, err := fullStitchReason(ctx, env)
	if err != nil {
		return Result{}, err
	}
	if reason == "" {
		res, err := stitchDelta(ctx, env)
		if err == nil {
			return res, nil
		}
		r, ok := isRebuild(err)
		if !ok {
			return Result{}, err
		}
		reason = r
	}
	res, err := runFullStitch(ctx, env)
	if err != nil {
		return Result{}, err
	}
	res.Message = stitchFallback(env, reason) + ": " + res.Message
	return res, nil
}

// runFullStitch stitches the whole evidence with the previous map as
// prior and records the graph's loads and config.
func runFullStitch(ctx context.Context, env *Env) (Result, error) {
	t0 := time.Now()
	evidence, err := readEvidence(ctx, env.WH)
	// released as soon as Stitch is done (it keeps nothing of them), before
	// the writes; the deferred calls only act on early returns
	defer func() { warehouse.Release(evidence) }()
	if err != nil {
		return Result{}, err
	}
	var prior []arrow.RecordBatch
	defer func() { warehouse.Release(prior) }()
	exists, err := warehouse.TableExists(ctx, env.WH, "identity_map")
	if err != nil {
		// Never treat a failed lookup as "no prior map": that would renumber
		// every customer.
		return Result{}, fmt.Errorf("look up identity_map: %w", err)
	}
	if exists {
		q, err := stitchSQL(env.WH.Dialect(), "prior_map")
		if err != nil {
			return Result{}, err
		}
		prior, err = env.WH.Query(ctx, q)
		if err != nil {
			return Result{}, fmt.Errorf("read identity_map: %w", err)
		}
	}
	t1 := time.Now()
	res, err := identity.Stitch(evidence, prior, IdentityConfig(env.Cfg), env.RunID)
	warehouse.Release(evidence)
	warehouse.Release(prior)
	evidence, prior = nil, nil
	if err != nil {
		return Result{}, err
	}
	defer res.Release()
	// Hand the model's garbage back before the writes, whose DuckDB buffers
	// would otherwise come on top of it.
	debug.FreeOSMemory()
	t2 := time.Now()
	err = env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		for _, t := range []struct {
			name   string
			schema *arrow.Schema
			recs   []arrow.RecordBatch
		}{
			{"identity_assignments", identity.AssignmentsSchema, res.Assignments},
			{"identity_map", identity.IdentityMapSchema, res.IdentityMap},
			{"blocked_identifiers", identity.BlockedSchema, res.Blocked},
			{"customers", identity.CustomersSchema, res.Customers},
			{"identity_stats", identity.StatsSchema, res.StatsBatch},
		} {
			if err := replaceIn(ctx, env.WH, tx, t.name, t.schema, t.recs); err != nil {
				return err
			}
		}
		if err := warehouse.CreateTable(ctx, tx, "identity_changes", warehouse.Nullable(identity.ChangesSchema)); err != nil {
			return err
		}
		q, err := stitchSQL(env.WH.Dialect(), "clear_run_changes")
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q, env.RunID); err != nil {
			return err
		}
		if _, err := tx.Load(ctx, "identity_changes", res.Changes...); err != nil {
			return err
		}
		return recordGraph(ctx, env.WH.Dialect(), tx, identityFingerprint(env.Cfg))
	})
	if err != nil {
		return Result{}, fmt.Errorf("write identity tables: %w", err)
	}
	s := res.Stats
	return Result{RowsIn: s.Records, RowsOut: s.Customers,
		Figures: map[string]float64{"read_seconds": t1.Sub(t0).Seconds(), "model_seconds": t2.Sub(t1).Seconds(),
			"write_seconds": time.Since(t2).Seconds(), "records": float64(s.Records), "customers": float64(s.Customers),
			"assignments": float64(warehouse.NumRows(res.Assignments))},
		Message: fmt.Sprintf("%d records -> %d customers (%d identifiers, %d blocked, %d invalid values, %d anonymous records); %d merges, %d splits, %d new ids",
			s.Records, s.Customers, s.Identifiers, s.Blocked, sumMap(s.Invalid), s.RecordsAnonymous, s.Merges, s.Splits, s.NewIDs)}, nil
}

// IdentityConfig is the identity.Config of the stitch job for a config
// (crmkit explain uses it too).
func IdentityConfig(c *config.Config) identity.Config {
	ic := c.Identity
	return identity.Config{
		MaxStrongIDs: ic.MaxStrongIDs, Blocklist: ic.Blocklist, BlockPatterns: ic.BlockPatterns,
		DefaultRegion: ic.DefaultRegion, SourcePriority: ic.SourcePriority,
		MaxNames: ic.MaxNames, MaxOrdersPerDay: ic.MaxOrdersPerDay, MaxStoresPerMonth: ic.MaxStoresPerMonth,
		LinkPhoneTypes: ic.LinkPhoneTypes, TypeAliases: ic.TypeAliases, UntypedFallback: ic.UntypedFallback,
		Alloc: evidenceAlloc,
	}
}

// readEvidence runs the evidence queries one after another and adds their
// constant columns. warehouse.Query already hands large results back as
// 64K-row batches in exact buffers outside the Go heap, so the batches are
// used as they come.
func readEvidence(ctx context.Context, wh warehouse.Warehouse) ([]arrow.RecordBatch, error) {
	return readEvidenceFrom(ctx, wh, wh.Dialect(), false)
}

// readEvidenceFrom is readEvidence through any querier (a transaction),
// of the whole evidence or (part) of the records in stitch_records.
func readEvidenceFrom(ctx context.Context, wh warehouse.Querier, d warehouse.Dialect, part bool) ([]arrow.RecordBatch, error) {
	var channels []string
	if !part {
		q, err := stitchSQL(d, "order_channels")
		if err != nil {
			return nil, err
		}
		chRecs, err := wh.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("read identity evidence: order channels: %w", err)
		}
		for _, rec := range chRecs {
			for i := 0; i < int(rec.NumRows()); i++ {
				channels = append(channels, warehouse.StringAt(rec, 0, i))
			}
		}
		warehouse.Release(chRecs)
		sort.Strings(channels)
	}
	consts := constColumns{}
	defer consts.release()
	var evidence []arrow.RecordBatch
	qs, err := evidenceQueries(warehouse.SQLOf(d), channels, part)
	if err != nil {
		return nil, err
	}
	for _, q := range qs {
		recs, err := wh.Query(ctx, q.sql)
		if err != nil {
			return evidence, fmt.Errorf("read identity evidence: %w", err)
		}
		for _, rec := range recs {
			evidence = append(evidence, withConstants(rec, q, consts))
		}
		warehouse.Release(recs)
	}
	return evidence, nil
}

// withConstants returns rec without the columns that are null on every
// row (identity.Stitch reads a missing column as null) and with the
// constant columns of q. rec is not released.
func withConstants(rec arrow.RecordBatch, q evidenceQuery, consts constColumns) arrow.RecordBatch {
	n := int(rec.NumRows())
	var fields []arrow.Field
	var cols []arrow.Array
	for i, f := range rec.Schema().Fields() {
		if c := rec.Column(i); c.NullN() < n || f.Name == "rec_key" {
			fields = append(fields, f)
			cols = append(cols, c)
		}
	}
	fields = append(fields, arrow.Field{Name: "rec_table", Type: arrow.BinaryTypes.String})
	cols = append(cols, consts.get(q.table, n))
	if q.channel != "" {
		fields = append(fields, arrow.Field{Name: "channel", Type: arrow.BinaryTypes.String})
		cols = append(cols, consts.get(q.channel, n))
	}
	return array.NewRecordBatch(arrow.NewSchema(fields, nil), cols, int64(n))
}

// evidenceAlloc allocates the stitch results: outside the Go heap, and
// given back to the system as soon as they are released.
var evidenceAlloc memory.Allocator = offheap.Allocator{}

// constColumns makes the constant columns of the evidence batches: one
// utf8 array per (value, length), shared by all the batches that need it.
type constColumns map[string]arrow.Array

func (cc constColumns) get(v string, n int) arrow.Array {
	k := fmt.Sprintf("%d:%s", n, v)
	if a, ok := cc[k]; ok {
		return a
	}
	b := array.NewStringBuilder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(n)
	b.ReserveData(n * len(v))
	for i := 0; i < n; i++ {
		b.Append(v)
	}
	a := b.NewArray()
	cc[k] = a
	return a
}

func (cc constColumns) release() {
	for _, a := range cc {
		a.Release()
	}
}

// storageHints are the DuckDB storage of the string columns of the tables
// the jobs write (identity tables, marts) by name: identifiers and keys are near-unique (uncompressed), the rest
// have few values (dictionary).
var storageHints = map[string]string{
	"rec_key": warehouse.CompressNone, "customer_id": warehouse.CompressNone, "id_value": warehouse.CompressNone,
	"phone": warehouse.CompressNone, "email": warehouse.CompressNone, "name": warehouse.CompressNone,
	"rec_table": warehouse.CompressDictionary, "id_type": warehouse.CompressDictionary, "region": warehouse.CompressDictionary,
	"first_channel": warehouse.CompressDictionary, "home_store": warehouse.CompressDictionary,
	"phone_source": warehouse.CompressDictionary, "email_source": warehouse.CompressDictionary,
	"name_source": warehouse.CompressDictionary, "region_source": warehouse.CompressDictionary,
	"home_store_source": warehouse.CompressDictionary,
}

// withStorageHints returns schema with the storage hints of its string
// columns (for the DDL only; the batches keep their own schema).
func withStorageHints(schema *arrow.Schema) *arrow.Schema {
	fs := schema.Fields()
	for i, f := range fs {
		if m, ok := storageHints[f.Name]; ok && f.Type.ID() == arrow.STRING {
			fs[i] = warehouse.Compressed(f, m)
		}
	}
	return arrow.NewSchema(fs, nil)
}

func sumMap(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

func replaceIn(ctx context.Context, wh warehouse.Warehouse, tx warehouse.Tx, table string, schema *arrow.Schema, recs []arrow.RecordBatch) error {
	drop := true
	if !warehouse.CapabilitiesOf(wh.Dialect()).TxDropTable {
		// The BigQuery emulator fails DROP TABLE IF EXISTS on a missing
		// table: look first (through the warehouse, which has the tables
		// API; the transaction runs its DDL at once anyway).
		var err error
		if drop, err = warehouse.TableExists(ctx, wh, table); err != nil {
			return err
		}
	}
	if drop {
		q, err := stitchSQLWith(warehouse.SQLOf(wh.Dialect()), "drop_table", struct{ Table string }{table})
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return err
		}
	}
	if err := warehouse.CreateTable(ctx, tx, table, warehouse.Nullable(withStorageHints(schema))); err != nil {
		return fmt.Errorf("create %s: %w", table, err)
	}
	if _, err := tx.Load(ctx, table, recs...); err != nil {
		return fmt.Errorf("write %s: %w", table, err)
	}
	return nil
}
