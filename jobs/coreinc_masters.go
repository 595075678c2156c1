package jobs

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// The masters in the incremental core. A master table holds the newest row
// of each key of its raw table (sql/core/master_<table>.sql); the social
// account and ticket masters add the customer of that row's record. A row
// changes only when its key has a row in the delta (a new export of the
// key) or, for those two, when its record's assignment changed in stitch
// (a merge). UpdateCore makes again the keys of both kinds, from every raw
// row of those keys with the master's own query, and leaves the others:
//   - keys with a row in the delta: read from the delta's raw rows;
//   - records whose assignment changed: core_assign_sums keeps, per
//     rec_table and bucket of record keys, a sum of hashes of (record key,
//     customer) as of the last core run; the buckets whose sum moved (the
//     delta's own records left out) hold every such record
//     (sql/coreinc/master_dirty.sql), and the keys whose current row's
//     record falls in one are made again.
//
// A master is rebuilt whole, with the reason in its step's name, when it
// does not exist, when its columns are not those its query gives now (a
// raw table that gained a column), or, for the two with customers, when
// core_assign_sums is missing (a warehouse core last built by a version
// without it). The views (social_interactions, campaign_contacts) are
// made again: they cost nothing.

// masterBuckets is the number of buckets of record keys whose assignment
// sums are compared (orders and masters): enough that the buckets a merge
// touches hold a small share of the records, few enough that the sums are
// one cheap aggregate.
const masterBuckets = 4096

// coreMaster is a master table: its raw table, the key its query keeps
// the newest row of, and the rec_table of its records' assignments ("" for
// a master without customers).
type coreMaster struct {
	table, raw string
	keys       []string
	recTable   string
}

// coreMasters are the materialised masters of mastersSQL, with the keys of
// their sql/core/master_<table>.sql.
var coreMasters = []coreMaster{
	{"products", "raw_products", []string{"sku"}, ""},
	{"stores", "raw_stores", []string{"store_id"}, ""},
	{"campaigns", "raw_campaigns", []string{"campaign_id"}, ""},
	{"social_accounts", "raw_social_accounts", []string{"platform", "openid"}, "social_accounts"},
	{"service_tickets", "raw_service_tickets", []string{"ticket_id"}, "service_tickets"},
}

// keyMatch is the condition of key row k against row r of the master's
// keys (NULL keys match: the window groups them).
func (m coreMaster) keyMatch(r string) string {
	var c []string
	for _, k := range m.keys {
		c = append(c, fmt.Sprintf("k.%s IS NOT DISTINCT FROM %s.%s", k, r, k))
	}
	return strings.Join(c, " AND ")
}

// recordAssignSums records core_assign_sums for the next UpdateCore (see
// above); BuildCore and UpdateCore call it once the masters reflect the
// assignments.
func recordAssignSums(ctx context.Context, tx warehouse.Tx) error {
	q := coreIncStatement(warehouse.SQLOfQuerier(tx), "record_assign_sums", coreIncData{Buckets: masterBuckets})
	if err := tx.Exec(ctx, q); err != nil {
		return fmt.Errorf("record core_assign_sums: %w", err)
	}
	return nil
}

// describe lists "name type" of each column of a table or query.
func describe(ctx context.Context, tx warehouse.Tx, what string) ([]string, error) {
	recs, err := tx.Query(ctx, "DESCRIBE "+what)
	if err != nil {
		return nil, err
	}
	defer warehouse.Release(recs)
	var out []string
	for _, rec := range recs {
		for i := 0; i < int(rec.NumRows()); i++ {
			out = append(out, warehouse.StringAt(rec, 0, i)+" "+warehouse.StringAt(rec, 1, i))
		}
	}
	return out, nil
}

// masterRebuildReason says why master m is rebuilt whole ("" when it can
// be brought up to date by keys); query is its full query.
func masterRebuildReason(ctx context.Context, tx warehouse.Tx, m coreMaster, query string, sums bool) (string, error) {
	ok, err := warehouse.TableExists(ctx, tx, m.table)
	if err != nil {
		return "", err
	}
	if !ok {
		return "no table yet", nil
	}
	if m.recTable != "" && !sums {
		return "no core_assign_sums yet", nil
	}
	have, err := describe(ctx, tx, m.table)
	if err != nil {
		return "", fmt.Errorf("columns of %s: %w", m.table, err)
	}
	want, err := describe(ctx, tx, query)
	if err != nil {
		return "", fmt.Errorf("columns of the query of %s: %w", m.table, err)
	}
	if !slices.Equal(have, want) {
		return fmt.Sprintf("columns %v, its query gives %v", have, want), nil
	}
	return "", nil
}

// updateMasters brings the masters up to date in UpdateCore's transaction
// (see above); deltaLoads lists the delta's loads as literals, exec runs
// and times one statement.
func updateMasters(ctx context.Context, tx warehouse.Tx, d warehouse.SQL, deltaLoads string, exec func(what, q string) error) error {
	sums, err := warehouse.TableExists(ctx, tx, "core_assign_sums")
	if err != nil {
		return err
	}
	dirty := map[string]int64{} // changed buckets per rec_table
	if sums {
		if err := exec("assignment buckets changed", coreIncStatement(d, "master_dirty", coreIncData{Buckets: masterBuckets, Loads: deltaLoads})); err != nil {
			return err
		}
		recs, err := tx.Query(ctx, coreIncStatement(d, "count_dirty", coreIncData{}))
		if err != nil {
			return fmt.Errorf("incremental core: count the changed buckets: %w", err)
		}
		for _, rec := range recs {
			for i := 0; i < int(rec.NumRows()); i++ {
				dirty[warehouse.StringAt(rec, 0, i)] = warehouse.Int64At(rec, 1, i)
			}
		}
		warehouse.Release(recs)
	}
	for _, c := range mastersSQL() {
		i := slices.IndexFunc(coreMasters, func(m coreMaster) bool { return m.table == c.table })
		if c.view || i < 0 {
			if err := exec(c.table, c.statement()); err != nil {
				return err
			}
			continue
		}
		m := coreMasters[i]
		reason, err := masterRebuildReason(ctx, tx, m, c.query, sums)
		if err != nil {
			return fmt.Errorf("incremental core: %w", err)
		}
		if reason != "" {
			if err := exec(fmt.Sprintf("%s rebuilt (%s)", c.table, reason), c.statement()); err != nil {
				return err
			}
			continue
		}
		data := coreIncData{Table: m.table, Raw: m.raw, KeyCols: strings.Join(m.keys, ", "), Buckets: masterBuckets, Loads: deltaLoads}
		if m.recTable != "" && dirty[m.recTable] > 0 {
			data.RecTable = m.recTable
		}
		if err := exec("keys of "+m.table, coreIncStatement(d, "master_keys", data)); err != nil {
			return err
		}
		n, err := warehouse.Int64(ctx, tx, coreIncStatement(d, "count_mkeys", data))
		if err != nil {
			return fmt.Errorf("incremental core: count the keys of %s: %w", m.table, err)
		}
		if n == 0 {
			continue
		}
		data.KeyMatch = m.keyMatch(m.table)
		if err := exec("drop keys of "+m.table, coreIncStatement(d, "master_drop_keys", data)); err != nil {
			return err
		}
		data.Query = coreStatement(d, "master_"+m.table, coreData{KeyMatch: m.keyMatch("x")})
		if err := exec("make keys of "+m.table, coreIncStatement(d, "master_insert", data)); err != nil {
			return err
		}
	}
	if sums {
		return exec("assignment sums", coreIncStatement(d, "record_assign_now", coreIncData{}))
	}
	return exec("assignment sums", coreIncStatement(d, "record_assign_sums", coreIncData{Buckets: masterBuckets}))
}
