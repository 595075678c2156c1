package jobs

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/models/identity"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/pipeline/warehouse/sqlfile"
)

// Incremental stitch. The identity graph is kept in the warehouse:
// identity_map holds every interned identifier (type, normalised value)
// with its customer id, first and last seen and record count;
// identity_assignments every evidence record's customer; blocked_identifiers
// the refused identifiers; identity_graph_loads the loads the graph covers
// and identity_graph_state the fingerprint of the identity config it was
// built with. Both are written by every stitch.
//
// A run whose delta is only new loads links just the delta into the graph
// (identity.IncrementalCheck explains why that equals the full stitch): it
// stitches the delta's records together with every record of the
// customers they touch, through identity.Stitch itself, and replaces those
// customers' rows. The per-identifier counters the cap, many_names and
// velocity rules use are distinct counts (strong ids per kind, names,
// stores per month, purchases per day) that a stored number cannot be
// updated from; re-reading the touched customers' records gives them
// exactly, for every identifier that can still link, at the cost of those
// customers' records rather than the whole history.
//
// It rebuilds, and says why in the job message and the log, on: run
// --full; the first run (no graph yet); a change to the identity config
// (blocklist, patterns, caps, rules, type aliases, phone types, region,
// source priority) or to the phone number library; an unloaded or
// replaced file; an order of the delta exported before; an order without
// a channel (no record key); BigQuery (the statements use DuckDB temporary
// tables); and whatever identity.IncrementalCheck finds (an identifier
// newly refused, a split, a refusal that more evidence can undo).
//
// blocked_identifiers and identity_stats stay as the last full stitch
// left them: their counts describe refused identifiers whose records span
// the whole evidence.

//go:embed stitchinc/*.sql
var stitchIncFS embed.FS

// stitch_keys and the two tables keys_from.sql reads are made in Go (keysOfDelta), and so is stitch_delta (fillDelta).
var stitchIncSQL = sqlfile.MustParse(stitchIncFS, "stitchinc").Temp("stitch_keys", "stitch_keys_map", "stitch_keys_blocked", "stitch_delta")

// stitchTables are the tables the stitch job reads and writes.
var (
	stitchReads  = []string{"load_files", "raw_order_lines", "raw_stores", "raw_social_accounts", "raw_social_interactions", "raw_campaign_contacts", "raw_service_tickets", "identity_map", "identity_assignments", "blocked_identifiers", "identity_graph_loads", "identity_graph_state"}
	stitchWrites = []string{"identity_assignments", "identity_map", "blocked_identifiers", "customers", "identity_stats", "identity_changes", "identity_graph_loads", "identity_graph_state"}
)

// stitchSQL renders a file of jobs/stitchinc, refusing tables the job does
// not declare.
func stitchSQL(d warehouse.Dialect, name string) (string, error) {
	return stitchSQLWith(warehouse.SQLOf(d), name, nil)
}

// stitchSQLWith is stitchSQL with the file's template data.
func stitchSQLWith(d warehouse.SQL, name string, data any) (string, error) {
	if u := stitchIncSQL.Undeclared(name, stitchReads); len(u) > 0 {
		if u = stitchIncSQL.Undeclared(name, append(append([]string{}, stitchReads...), stitchWrites...)); len(u) > 0 {
			return "", fmt.Errorf("stitch: %s.sql names undeclared tables %v", name, u)
		}
	}
	return stitchIncSQL.Render(name, d, data)
}

// identityFingerprint summarises everything of the config and the program
// that decides links: a change to any of it can split a past customer.
func identityFingerprint(c *config.Config) string {
	ic := IdentityConfig(c)
	ic.Alloc = nil
	phonelib := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/nyaruka/phonenumbers" {
				phonelib = m.Version
			}
		}
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%+v|%s", ic, phonelib)))
	return hex.EncodeToString(h[:])
}

// recordGraph records, in the full stitch's transaction, that the graph
// covers every loaded load and was built with this identity config.
func recordGraph(ctx context.Context, d warehouse.Dialect, tx warehouse.Tx, fp string) error {
	if err := ensureGraphTables(ctx, tx); err != nil {
		return fmt.Errorf("record identity graph: %w", err)
	}
	if err := warehouse.RecreateTable(ctx, tx, "identity_graph_loads", GraphLoadsSchema); err != nil {
		return fmt.Errorf("record identity graph: %w", err)
	}
	for _, name := range []string{"record_loads", "clear_graph_state"} {
		s, err := stitchSQL(d, name)
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, s); err != nil {
			return fmt.Errorf("record identity graph: %w", err)
		}
	}
	q, err := stitchSQL(d, "write_graph_state")
	if err != nil {
		return err
	}
	if err := tx.Exec(ctx, q, fp); err != nil {
		return fmt.Errorf("record identity graph: %w", err)
	}
	return nil
}

// fullStitchReason returns why this run cannot be incremental, before
// anything is read; "" when it may be.
func fullStitchReason(ctx context.Context, env *Env) (string, error) {
	if env.Full {
		return "run --full", nil
	}
	if !warehouse.CapabilitiesOf(env.WH.Dialect()).IncrementalUpdates {
		return "this warehouse rebuilds whole tables (the incremental stitch is written for DuckDB)", nil
	}
	for _, t := range []string{"identity_graph_state", "identity_graph_loads", "identity_map", "identity_assignments", "blocked_identifiers", "customers", "identity_changes"} {
		ok, err := warehouse.TableExists(ctx, env.WH, t)
		if err != nil {
			return "", fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			return "no " + t + " yet (first stitch)", nil
		}
	}
	var fp *string
	q, err := stitchSQL(env.WH.Dialect(), "graph_config")
	if err != nil {
		return "", err
	}
	if err := env.WH.QueryRow(ctx, q, nil, &fp); err != nil {
		return "", fmt.Errorf("read identity_graph_state: %w", err)
	}
	if fp == nil || *fp != identityFingerprint(env.Cfg) {
		return "the identity config (or the phone number library) changed since the graph was built", nil
	}
	q, err = stitchSQL(env.WH.Dialect(), "graph_gone")
	if err != nil {
		return "", err
	}
	gone, err := warehouse.Int64(ctx, env.WH, q)
	if err != nil {
		return "", fmt.Errorf("compare identity_graph_loads with load_files: %w", err)
	}
	if gone > 0 {
		return fmt.Sprintf("%d loads in the identity graph are no longer loaded as it saw them (unloaded, replaced or loaded again)", gone), nil
	}
	return "", nil
}

// errRebuild carries, out of the incremental transaction (which it rolls
// back), the reason to rebuild.
type errRebuild struct{ reason string }

func (e errRebuild) Error() string { return "rebuild: " + e.reason }

// stitchDelta links the new loads into the graph in one transaction. It
// returns errRebuild when the delta needs the full stitch.
func stitchDelta(ctx context.Context, env *Env) (Result, error) {
	t0 := time.Now()
	d := env.WH.Dialect()
	var out Result
	err := env.WH.InTx(ctx, func(tx warehouse.Tx) error {
		steps := map[string]float64{}
		run := func(name string) error {
			t := time.Now()
			q, err := stitchSQL(d, name)
			if err != nil {
				return err
			}
			if err := tx.Exec(ctx, q); err != nil {
				return fmt.Errorf("incremental stitch: %s: %w", name, err)
			}
			steps[name+"_seconds"] = time.Since(t).Seconds()
			return nil
		}
		count := func(name string) (int64, error) {
			t := time.Now()
			q, err := stitchSQL(d, name)
			if err != nil {
				return 0, err
			}
			n, err := warehouse.Int64(ctx, tx, q)
			if err != nil {
				return 0, fmt.Errorf("incremental stitch: %s: %w", name, err)
			}
			steps[name+"_seconds"] = time.Since(t).Seconds()
			return n, nil
		}
		if err := run("new_loads"); err != nil {
			return err
		}
		newLoads, err := count("count_new_loads")
		if err != nil {
			return err
		}
		if newLoads == 0 {
			out = Result{Message: "incremental: no new loads, nothing to link", Figures: map[string]float64{"new_loads": 0}}
			return nil
		}
		if moved, err := storesMoved(ctx, tx, d); err != nil {
			return err
		} else if moved > 0 {
			return errRebuild{fmt.Sprintf("the new loads move %d stores that orders of the evidence name to another region", moved)}
		}
		td := time.Now()
		if err := fillDelta(ctx, tx, d); err != nil {
			return err
		}
		steps["delta_read_seconds"] = time.Since(td).Seconds()
		if n, err := count("reexported"); err != nil {
			return err
		} else if n > 0 {
			return errRebuild{fmt.Sprintf("%d orders of the new loads were exported before (their identifiers may have changed)", n)}
		}
		if n, err := count("count_keyless"); err != nil {
			return err
		} else if n > 0 {
			return errRebuild{fmt.Sprintf("%d records of the new loads have no key (an order without channel or id)", n)}
		}
		if err := run("new_records"); err != nil {
			return err
		}
		newRecs, err := count("count_records")
		if err != nil {
			return err
		}
		ties, err := count("new_ties")
		if err != nil {
			return err
		}
		cfg := IdentityConfig(env.Cfg)

		// The delta's identifiers, normalised by the model: a stitch of
		// the new records alone lists each of them, usable or refused.
		tk := time.Now()
		if err := keysOfDelta(ctx, tx, d, cfg, env.RunID); err != nil {
			return err
		}
		steps["delta_keys_seconds"] = time.Since(tk).Seconds()
		for _, name := range []string{"touched", "touched_records"} {
			if err := run(name); err != nil {
				return err
			}
		}
		touched, err := count("count_touched")
		if err != nil {
			return err
		}

		// The part: new records and the touched customers' records.
		t1 := time.Now()
		evidence, err := readPart(ctx, tx, d)
		defer func() { warehouse.Release(evidence) }()
		if err != nil {
			return err
		}
		steps["part_read_seconds"] = time.Since(t1).Seconds()
		q, err := stitchSQL(d, "touched_prior")
		if err != nil {
			return err
		}
		prior, err := tx.Query(ctx, q)
		defer func() { warehouse.Release(prior) }()
		if err != nil {
			return fmt.Errorf("incremental stitch: read the touched customers' map: %w", err)
		}
		refused, refusedKeys, err := readRefused(ctx, tx, d)
		if err != nil {
			return err
		}
		if q, err = stitchSQL(d, "issued"); err != nil {
			return err
		}
		if cfg.IssuedUpTo, err = warehouse.Int64(ctx, tx, q); err != nil {
			return fmt.Errorf("incremental stitch: largest customer number: %w", err)
		}
		t2 := time.Now()
		res, err := identity.Stitch(evidence, prior, identity.ForcedBlocklist(cfg, refused), env.RunID)
		warehouse.Release(evidence)
		warehouse.Release(prior)
		evidence, prior = nil, nil
		if err != nil {
			return err
		}
		defer res.Release()
		if why := identity.IncrementalCheck(res, refusedKeys, ties > 0); why != "" {
			return errRebuild{why}
		}
		t3 := time.Now()
		for _, w := range []struct {
			stmt, table string
			recs        []arrow.RecordBatch
		}{
			{"write_assignments", "identity_assignments", res.Assignments},
			{"write_map", "identity_map", res.IdentityMap},
			{"write_customers", "customers", res.Customers},
			{"", "identity_changes", res.Changes},
			{"write_loads", "", nil},
		} {
			if w.stmt != "" {
				if err := run(w.stmt); err != nil {
					return err
				}
			}
			if w.table != "" {
				if _, err := tx.Load(ctx, w.table, w.recs...); err != nil {
					return fmt.Errorf("incremental stitch: write %s: %w", w.table, err)
				}
			}
		}
		s := res.Stats
		figs := map[string]float64{"read_seconds": t2.Sub(t1).Seconds(), "model_seconds": t3.Sub(t2).Seconds(),
			"write_seconds": time.Since(t3).Seconds(), "new_loads": float64(newLoads), "new_records": float64(newRecs),
			"touched_customers": float64(touched), "records": float64(s.Records), "customers": float64(s.Customers),
			"assignments": float64(warehouse.NumRows(res.Assignments))}
		for k, v := range steps {
			figs[k] = v
		}
		out = Result{RowsIn: s.Records, RowsOut: s.Customers, Figures: figs,
			Message: fmt.Sprintf("incremental: %d new loads, %d new records, %d customers touched; restitched %d records -> %d customers; %d merges, %d new ids",
				newLoads, newRecs, touched, s.Records, s.Customers, s.Merges, s.NewIDs)}
		return nil
	})
	if err != nil {
		return Result{}, err
	}
	out.Figures["total_seconds"] = time.Since(t0).Seconds()
	if env.Log != nil {
		args := make([]any, 0, 2*len(out.Figures))
		for _, k := range sortedKeys(out.Figures) {
			args = append(args, k, out.Figures[k])
		}
		env.Log.Info("incremental stitch", args...)
	}
	return out, nil
}

// keysOfDelta fills the temporary table stitch_keys with the normalised
// identifiers of the records in stitch_records.
func keysOfDelta(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect, cfg identity.Config, runID string) error {
	evidence, err := readDelta(ctx, tx, d)
	defer func() { warehouse.Release(evidence) }()
	if err != nil {
		return err
	}
	res, err := identity.Stitch(evidence, nil, cfg, runID)
	if err != nil {
		return fmt.Errorf("incremental stitch: identifiers of the new records: %w", err)
	}
	defer res.Release()
	if err := warehouse.CreateTempTable(ctx, tx, "stitch_keys", stitchKeysSchema); err != nil {
		return fmt.Errorf("incremental stitch: %w", err)
	}
	for _, part := range []struct {
		name   string
		schema *arrow.Schema
		recs   []arrow.RecordBatch
	}{{"stitch_keys_map", identity.IdentityMapSchema, res.IdentityMap}, {"stitch_keys_blocked", identity.BlockedSchema, res.Blocked}} {
		if err := warehouse.CreateTempTable(ctx, tx, part.name, warehouse.Nullable(part.schema)); err != nil {
			return fmt.Errorf("incremental stitch: %w", err)
		}
		if _, err := tx.Load(ctx, part.name, part.recs...); err != nil {
			return fmt.Errorf("incremental stitch: write %s: %w", part.name, err)
		}
		q, err := stitchSQLWith(warehouse.SQLOf(d), "keys_from", struct{ From string }{part.name})
		if err != nil {
			return err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return fmt.Errorf("incremental stitch: %w", err)
		}
	}
	return nil
}

// readPart reads the evidence records listed in stitch_records from the
// raw tables.
func readPart(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect) ([]arrow.RecordBatch, error) {
	for _, f := range []string{"part_orders", "part_openids"} {
		q, err := stitchSQL(d, f)
		if err != nil {
			return nil, err
		}
		if err := tx.Exec(ctx, q); err != nil {
			return nil, fmt.Errorf("incremental stitch: %s: %w", f, err)
		}
	}
	return readEvidenceFrom(ctx, tx, d, true)
}

// readRefused reads blocked_identifiers: as a list for the forced
// blocklist and as key -> reason for identity.IncrementalCheck.
func readRefused(ctx context.Context, tx warehouse.Tx, d warehouse.Dialect) ([]identity.Refused, map[string]string, error) {
	q, err := stitchSQL(d, "refused")
	if err != nil {
		return nil, nil, err
	}
	recs, err := tx.Query(ctx, q)
	if err != nil {
		return nil, nil, fmt.Errorf("incremental stitch: read blocked_identifiers: %w", err)
	}
	defer warehouse.Release(recs)
	var list []identity.Refused
	keys := map[string]string{}
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			r := identity.Refused{Type: warehouse.StringAt(rec, 0, i), Value: warehouse.StringAt(rec, 1, i), Reason: warehouse.StringAt(rec, 2, i)}
			list = append(list, r)
			keys[r.Key()] = r.Reason
		}
	}
	return list, keys, nil
}

// stitchFallback logs and words a fall back to the full stitch.
func stitchFallback(env *Env, reason string) string {
	if env.Log != nil {
		env.Log.Info("stitch rebuilds the identity graph", "reason", reason)
	}
	return "full stitch (" + strings.TrimSpace(reason) + ")"
}

func sortedKeys(m map[string]float64) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func isRebuild(err error) (string, bool) {
	var r errRebuild
	if errors.As(err, &r) {
		return r.reason, true
	}
	return "", false
}
