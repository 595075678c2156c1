package sqlfile

import (
	"slices"
	"testing"
)

func TestScan(t *testing.T) {
	cases := []struct {
		name          string
		sql           string
		reads, writes []string
	}{
		{"select with join", `SELECT o.a FROM orders o JOIN stores s ON s.id = o.store_id LEFT JOIN customers c USING (customer_id)`,
			[]string{"customers", "orders", "stores"}, nil},
		{"create table as", `CREATE OR REPLACE TABLE publish_order_facts AS SELECT * FROM orders`,
			[]string{"orders"}, []string{"publish_order_facts"}},
		{"ctes are local", `WITH o AS (SELECT * FROM orders), cost AS (SELECT * FROM kept_order_lines l JOIN o USING (order_id)) SELECT * FROM o JOIN cost USING (order_id)`,
			[]string{"kept_order_lines", "orders"}, nil},
		{"materialized ctes are local", `WITH si AS MATERIALIZED (SELECT * FROM social_interactions), o AS NOT MATERIALIZED (SELECT * FROM si) SELECT * FROM si JOIN o USING (x)`,
			[]string{"social_interactions"}, nil},
		{"insert, update, delete", `INSERT INTO job_runs (a) VALUES (1); UPDATE job_runs SET a = 2 WHERE b IN (SELECT b FROM load_files); DELETE FROM source_checks WHERE x`,
			[]string{"load_files"}, []string{"job_runs", "source_checks"}},
		{"if not exists, quoted, qualified", "CREATE TABLE IF NOT EXISTS `ds`.\"Job_Runs\" (a INT); DROP TABLE IF EXISTS ds.old",
			nil, []string{"job_runs", "old"}},
		{"temp table is local", `CREATE TEMP TABLE x AS SELECT * FROM orders; INSERT INTO t2 SELECT * FROM x`,
			[]string{"orders"}, []string{"t2"}},
		{"FROM that is no clause", `SELECT extract(year FROM order_ts), a IS DISTINCT FROM b, trim(both ' ' FROM name) FROM orders`,
			[]string{"orders"}, nil},
		{"table functions and subqueries", `SELECT * FROM read_csv('x.csv') JOIN (SELECT * FROM products) p ON TRUE JOIN unnest([1]) u ON TRUE`,
			[]string{"products"}, nil},
		{"comments and strings", "SELECT 'FROM fake' -- JOIN commented\n/* FROM gone */ FROM orders",
			[]string{"orders"}, nil},
		{"template actions", `SELECT {{.Cols}} FROM {{table "orders"}} WHERE ts < {{.End}}{{if .B}} AND x{{end}}`,
			[]string{"orders"}, nil},
		{"catalog", `SELECT count(*) FROM information_schema.tables t JOIN ds.INFORMATION_SCHEMA.COLUMNS c USING (table_name) WHERE table_name = 'orders'`, nil, nil},
		{"table named by data", `SELECT count(*) FROM {{table .Raw}} WHERE x; ALTER TABLE {{table .Table}} DROP COLUMN {{.Column}}; DELETE FROM {{table .Raw}} WHERE y`, nil, nil},
		{"comma list after FROM", `SELECT * FROM orders o, stores AS s, products WHERE o.x = s.x; DELETE FROM t WHERE k IN (SELECT k FROM a, b)`,
			[]string{"a", "b", "orders", "products", "stores"}, []string{"t"}},
		{"comma after a table is no list in a select", `SELECT (SELECT max(x) FROM orders), y FROM stores JOIN products p USING (k), z`,
			[]string{"orders", "products", "stores"}, nil},
		{"temp catalog", `DROP TABLE IF EXISTS temp.main.core_scope; INSERT INTO orders SELECT * FROM "temp"."main"."keys"`,
			nil, []string{"orders"}},
		{"on conflict do update", `INSERT INTO m (k) VALUES (1) ON CONFLICT DO UPDATE SET k = 2`, nil, []string{"m"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, w := Scan(c.sql)
			if !slices.Equal(r, c.reads) || !slices.Equal(w, c.writes) {
				t.Errorf("Scan = reads %v writes %v, want reads %v writes %v", r, w, c.reads, c.writes)
			}
		})
	}
}
