package clvjob

import (
	"slices"
	"testing"

	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestJobsDeclareTheirTables: every table the query files name is
// declared by a job that renders it, and the jobs carry the declarations
// the graph reads.
func TestJobsDeclareTheirTables(t *testing.T) {
	cases := []struct {
		file string
		want []string
	}{
		{"purchases", []string{"customer_changes", "customer_state", "orders"}},
		{"state", []string{"customer_cut_state", "customer_state"}},
		{"state_meta", []string{"customer_state", "customer_state_meta"}},
		{"pending", []string{"customer_changes"}},
		{"last_fit", []string{"clv_fit"}},
		{"clear_state", []string{"customer_changes", "customer_state"}},
		{"clear_state_meta", []string{"customer_state_meta"}},
		{"clear_changes", []string{"customer_changes"}},
		{"write_state_meta", []string{"customer_state_meta"}},
		{"clear_order_state", []string{"customer_changes", "customer_order_state"}},
		{"order_state", []string{"customer_changes", "customer_order_state", "orders"}},
		{"cut_meta", []string{"customer_cut_meta"}},
		{"clear_cut", []string{"customer_cut_state"}},
		{"clear_cut_meta", []string{"customer_cut_meta"}},
		{"write_cut_meta", []string{"customer_cut_meta"}},
		{"changed_ids", []string{"customer_changes"}},
		{"clear_cut_delta", []string{"customer_cut_delta"}},
		{"clear_cut_changed", []string{"customer_changes", "customer_cut_state"}},
		{"advance_cut", []string{"customer_cut_delta", "customer_cut_state"}},
		{"insert_cut_delta", []string{"customer_cut_delta", "customer_cut_state"}},
	}
	if len(cases) != len(queries.Names()) {
		t.Errorf("files %v, cases for %d", queries.Names(), len(cases))
	}
	for _, c := range cases {
		if got := queries.Tables(c.file); !slices.Equal(got, c.want) {
			t.Errorf("sql/%s.sql names %v, want %v", c.file, got, c.want)
		}
	}
	for _, f := range []string{"purchases", "state_meta", "pending", "clear_order_state", "order_state", "cut_meta", "changed_ids"} {
		if u := queries.Undeclared(f, stateReads); len(u) > 0 {
			t.Errorf("customer_state renders sql/%s.sql naming undeclared %v", f, u)
		}
	}
	for _, f := range []string{"clear_state", "clear_state_meta", "clear_changes", "write_state_meta", "clear_order_state", "clear_cut", "clear_cut_meta", "write_cut_meta", "clear_cut_delta", "clear_cut_changed", "advance_cut", "insert_cut_delta"} {
		if u := queries.Undeclared(f, stateWrites); len(u) > 0 {
			t.Errorf("customer_state writes through sql/%s.sql naming undeclared %v", f, u)
		}
	}
	for _, f := range []string{"purchases", "state", "state_meta", "pending", "last_fit", "cut_meta"} {
		if u := queries.Undeclared(f, clvReads); len(u) > 0 {
			t.Errorf("clv renders sql/%s.sql naming undeclared %v", f, u)
		}
	}
	st := StateJob(nil)
	if !slices.Equal(st.Reads, stateReads) || !slices.Equal(st.Writes, []string{"customer_state", "customer_state_meta", "customer_changes", "customer_order_state", "customer_cut_state", "customer_cut_meta", "customer_cut_delta"}) {
		t.Errorf("customer_state declares reads %v writes %v", st.Reads, st.Writes)
	}
	// The undeclared check refuses a file outside the job's reads.
	if _, err := render(nil, "last_fit", stateReads, nil); err == nil {
		t.Error("customer_state rendered sql/last_fit.sql, which names clv_fit it does not declare")
	}
}

// TestStateWriteSQL pins the text of customer_state's writes: the rows
// cleared on an update (the changed customers) and on a rebuild (all), the
// settings row (two placeholders), and customer_order_state's, cleared and
// aggregated again the same way.
func TestStateWriteSQL(t *testing.T) {
	d := warehouse.SQLOf(nil)
	cases := []struct {
		name, file string
		data       any
		want       string
	}{
		{"update clears the changed customers", "clear_state", struct{ Changed bool }{true},
			"DELETE FROM customer_state WHERE customer_id IN (SELECT customer_id FROM customer_changes)"},
		{"rebuild clears every row", "clear_state", struct{ Changed bool }{false}, "DELETE FROM customer_state WHERE true"},
		{"settings cleared", "clear_state_meta", nil, "DELETE FROM customer_state_meta WHERE true"},
		{"changes cleared", "clear_changes", nil, "DELETE FROM customer_changes WHERE true"},
		{"settings written", "write_state_meta", nil, "INSERT INTO customer_state_meta VALUES (?, ?)"},
		{"update clears the changed customers' order figures", "clear_order_state", orderStateArgs{Changed: true},
			"DELETE FROM customer_order_state WHERE customer_id IN (SELECT customer_id FROM customer_changes)"},
		{"rebuild clears every customer's order figures", "clear_order_state", orderStateArgs{}, "DELETE FROM customer_order_state WHERE true"},
		{"update aggregates the changed customers' orders", "order_state", orderStateArgs{Changed: true, LastChannel: "arg_max(channel, order_ts)"},
			"INSERT INTO customer_order_state\nSELECT customer_id, count(*) AS orders, sum(net_amount) AS net_sales, max(order_ts) AS last_order_ts, arg_max(channel, order_ts) AS last_channel\n" +
				"FROM orders WHERE customer_id IS NOT NULL AND customer_id IN (SELECT customer_id FROM customer_changes)\nGROUP BY customer_id"},
		{"rebuild aggregates every order", "order_state", orderStateArgs{LastChannel: "arg_max(channel, order_ts)"},
			"INSERT INTO customer_order_state\nSELECT customer_id, count(*) AS orders, sum(net_amount) AS net_sales, max(order_ts) AS last_order_ts, arg_max(channel, order_ts) AS last_channel\n" +
				"FROM orders WHERE customer_id IS NOT NULL\nGROUP BY customer_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := queries.Render(c.file, d, c.data)
			if err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("sql/%s.sql renders %q, want %q", c.file, got, c.want)
			}
		})
	}
}
