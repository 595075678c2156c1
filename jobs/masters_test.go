package jobs

import (
	"context"
	"fmt"
	"testing"
)

// TestMastersKeepNewestExport: six exports of the products master give SKU
// P1 the unit cost 151, 152, ... 156 in turn. Their load ids are hashes,
// whose order says nothing of when they were loaded (here they sort
// against it); core must keep the cost of the export loaded last (the
// highest load_seq), and, for loads recorded before load_seq, the one
// loaded last by loaded_at. Within one file the last row of a key wins.
func TestMastersKeepNewestExport(t *testing.T) {
	// Load ids in the order of the six exports.
	ids := []string{"Lf0", "Le1", "La2", "Ld3", "Lb4", "Lc5"}
	cases := []struct {
		name    string
		loaded  int // exports loaded so far
		withSeq bool
		want    float64
	}{
		{"one export", 1, true, 151},
		{"two exports", 2, true, 152},
		{"three exports", 3, true, 153},
		{"four exports", 4, true, 154},
		{"five exports", 5, true, 155},
		{"six exports", 6, true, 156},
		{"six exports recorded before load_seq", 6, false, 156},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wh := testWH(t)
			for i := 0; i < c.loaded; i++ {
				seq := "NULL"
				if c.withSeq {
					seq = fmt.Sprint(i + 1)
				}
				execAll(t, wh,
					fmt.Sprintf(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at, load_seq)
						VALUES ('%s', 'erp_products', 'products.xlsx', 'h%d', 'loaded', 2, 2, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (%d) DAY, %s)`, ids[i], i, i, seq),
					fmt.Sprintf(`INSERT INTO raw_products (_load_id, _row, sku, unit_cost) VALUES ('%s', 2, 'P1', %d), ('%s', 3, 'P2', 10)`, ids[i], 151+i, ids[i]))
			}
			// A rejected record of a later load id must not count.
			execAll(t, wh, `INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at, load_seq)
				VALUES ('Lzz', 'erp_products', 'bad.xlsx', 'hz', 'rejected', 0, 0, 0, TIMESTAMPTZ '2030-01-01 00:00:00+00', 99)`)
			if _, err := BuildCore(context.Background(), wh); err != nil {
				t.Fatal(err)
			}
			var cost float64
			var n int64
			if err := wh.DB().QueryRow(`SELECT (SELECT unit_cost FROM products WHERE sku = 'P1'), (SELECT count(*) FROM products)`).Scan(&cost, &n); err != nil {
				t.Fatal(err)
			}
			if cost != c.want || n != 2 {
				t.Errorf("P1 cost %v of %d products, want %v of 2", cost, n, c.want)
			}
			// Data health: of the 2 rows of each export, only the newest
			// export's are current; the others are superseded.
			var current, loads int64
			var newest string
			if err := wh.DB().QueryRow(`SELECT sum(current_rows), count(*), min(load_id) FROM (`+CurrentRowsSQL+`) c WHERE current_rows > 0`).Scan(&current, &loads, &newest); err != nil {
				t.Fatal(err)
			}
			if current != 2 || loads != 1 || newest != ids[c.loaded-1] {
				t.Errorf("current rows: %d rows in %d loads (%s), want 2 in 1 (%s)", current, loads, newest, ids[c.loaded-1])
			}
		})
	}
}

// TestCurrentRowsOfAccountsAndTickets: data health counts a master row as
// current when it is of its key's newest export. Account A (wechat) is
// exported in La1 and again in La2, account B only in La1; ticket T1 in
// Lt1 and again in Lt2, T2 only in Lt1; La2 also has B on weibo, another
// key. Worked out by hand: La1 keeps B (1 row of 2), La2 keeps both its
// rows, Lt1 keeps T2 (1 of 2), Lt2 keeps T1 (1 of 1).
func TestCurrentRowsOfAccountsAndTickets(t *testing.T) {
	wh := testWH(t)
	for i, l := range []struct{ id, source string }{{"La1", "wechat_followers"}, {"La2", "wechat_followers"}, {"Lt1", "service_tickets"}, {"Lt2", "service_tickets"}} {
		execAll(t, wh, fmt.Sprintf(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at, load_seq)
			VALUES ('%s', '%s', 'f%d.csv', 'h%d', 'loaded', 2, 2, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL (%d) DAY, %d)`, l.id, l.source, i, i, i, i+1))
	}
	execAll(t, wh,
		`INSERT INTO raw_social_accounts (_load_id, _row, platform, openid, followed_ts) VALUES
			('La1', 2, 'wechat', 'A', TIMESTAMPTZ '2024-01-01 00:00:00+00'), ('La1', 3, 'wechat', 'B', TIMESTAMPTZ '2024-01-02 00:00:00+00'),
			('La2', 2, 'wechat', 'A', TIMESTAMPTZ '2024-01-01 00:00:00+00'), ('La2', 3, 'weibo', 'B', TIMESTAMPTZ '2024-01-03 00:00:00+00')`,
		`INSERT INTO raw_service_tickets (_load_id, _row, ticket_id, opened_ts) VALUES
			('Lt1', 2, 'T1', TIMESTAMPTZ '2024-02-01 00:00:00+00'), ('Lt1', 3, 'T2', TIMESTAMPTZ '2024-02-02 00:00:00+00'),
			('Lt2', 2, 'T1', TIMESTAMPTZ '2024-02-01 00:00:00+00')`)
	if _, err := BuildCore(context.Background(), wh); err != nil {
		t.Fatal(err)
	}
	rows, err := wh.DB().Query(`SELECT load_id, current_rows FROM (` + CurrentRowsSQL + `) c ORDER BY load_id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		got[id] = n
	}
	want := map[string]int64{"La1": 1, "La2": 2, "Lt1": 1, "Lt2": 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("current rows per load %v, want %v", got, want)
	}
}
