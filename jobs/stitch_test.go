package jobs

import (
	"context"
	"io"
	"log/slog"
	"testing"
)

// TestStitchEveryEvidenceTable: one person leaves a Tmall order (phone),
// a WeChat follower row (the same phone in another spelling, openid o1),
// three interactions by o1, a campaign contact (untyped identifier: the
// phone again) and a service ticket (typed email that no one else has).
// Every record of the person resolves to one customer; the ticket makes
// a second customer; the three interactions are one evidence record.
func TestStitchEveryEvidenceTable(t *testing.T) {
	wh := testWH(t)
	ctx := context.Background()
	execAll(t, wh,
		`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at) VALUES
			('L1', 'tmall_orders', 'a', 'h1', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00'),
			('L2', 'wechat', 'b', 'h2', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00'),
			('L3', 'wechat_actions', 'c', 'h3', 'loaded', 3, 3, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00'),
			('L4', 'contacts', 'd', 'h4', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00'),
			('L5', 'tickets', 'e', 'h5', 'loaded', 1, 1, 0, TIMESTAMPTZ '2025-01-01 00:00:00+00')`,
		`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, phone, status, sku, qty, unit_price, paid_amount) VALUES
			('L1', 2, 'tmall', 'T1', TIMESTAMPTZ '2025-01-05 10:00:00+00', '13800138000', 'paid', 'X', 1, 100, 100)`,
		`INSERT INTO raw_social_accounts (_load_id, _row, platform, openid, phone, nickname, followed_ts) VALUES
			('L2', 2, 'wechat', 'o1', '+86 138-0013-8000', 'Li', TIMESTAMPTZ '2025-01-01 00:00:00+00')`,
		`INSERT INTO raw_social_interactions (_load_id, _row, platform, openid, ts, action) VALUES
			('L3', 2, 'wechat', 'o1', TIMESTAMPTZ '2025-01-02 00:00:00+00', 'view'),
			('L3', 3, 'wechat', 'o1', TIMESTAMPTZ '2025-01-03 00:00:00+00', 'like'),
			('L3', 4, 'wechat', 'o1', TIMESTAMPTZ '2025-01-04 00:00:00+00', 'share')`,
		`INSERT INTO raw_campaign_contacts (_load_id, _row, campaign_id, identifier, contact_group, contacted_ts) VALUES
			('L4', 2, 'C1', '008613800138000', 'target', TIMESTAMPTZ '2025-01-03 00:00:00+00')`,
		`INSERT INTO raw_service_tickets (_load_id, _row, ticket_id, identifier_type, identifier, opened_ts) VALUES
			('L5', 2, 'K1', 'email', 'wang@example.com', TIMESTAMPTZ '2025-01-06 00:00:00+00')`,
	)
	env := &Env{Cfg: testCfg(), WH: wh, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RunID: "r1"}
	res, err := runStitch(ctx, env)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsIn != 5 || res.RowsOut != 2 {
		t.Fatalf("stitch: %d records -> %d customers, want 5 -> 2 (%s)", res.RowsIn, res.RowsOut, res.Message)
	}
	if _, err := BuildCore(ctx, wh); err != nil {
		t.Fatal(err)
	}
	var person string
	if err := wh.DB().QueryRow(`SELECT customer_id FROM orders WHERE order_id = 'T1'`).Scan(&person); err != nil || person == "" {
		t.Fatalf("order T1 customer %q (%v)", person, err)
	}
	for _, c := range []struct {
		what, query string
		want        int64
	}{
		{"social account", `SELECT count(*) FROM social_accounts WHERE customer_id = ?`, 1},
		{"interactions", `SELECT count(*) FROM social_interactions WHERE customer_id = ?`, 3},
		{"campaign contact", `SELECT count(*) FROM campaign_contacts WHERE customer_id = ?`, 1},
		{"ticket of someone else", `SELECT count(*) FROM service_tickets WHERE customer_id IS NOT NULL AND customer_id <> ?`, 1},
	} {
		var n int64
		if err := wh.DB().QueryRow(c.query, person).Scan(&n); err != nil || n != c.want {
			t.Errorf("%s: %d rows (%v), want %d", c.what, n, err, c.want)
		}
	}
	// Sources come from load_files by load id: the ticket's customer has
	// only the ticket, so its email's source is the tickets load's.
	var src string
	if err := wh.DB().QueryRow(`SELECT email_source FROM customers WHERE customer_id <> ?`, person).Scan(&src); err != nil || src != "tickets" {
		t.Errorf("email_source of the ticket's customer = %q (%v), want tickets", src, err)
	}
}
