package clvjob

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/models/clv"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// TestStateUpdateRuns: a stateUpdate creates its missing tables, runs its
// SQL files (with their arguments) and loads in the order given, and names
// the table and the step that failed. Here: customer_cut_state holds A (2
// days, last 2025-07-01) and B; B changed (customer_changes) so
// clear_cut_changed deletes it; A advances by 1 day (last 2025-07-03) and
// C is first seen, both through customer_cut_delta; the cut becomes
// 2025-07-03.
func TestStateUpdateRuns(t *testing.T) {
	wh, err := warehouse.OpenDuckDB(":memory:", warehouse.DuckDBOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer wh.Close()
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE customer_changes (customer_id VARCHAR)`,
		`INSERT INTO customer_changes VALUES ('B')`,
		`CREATE TABLE customer_cut_state (customer_id VARCHAR, days BIGINT, last_day DATE)`,
		`INSERT INTO customer_cut_state VALUES ('A', 2, '2025-07-01'), ('B', 5, '2025-06-30')`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	day := func(s string) int32 {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return clv.DayNumber(d)
	}
	delta := cutStateRecord([]clv.CutState{{ID: "A", Days: 1, LastDay: day("2025-07-03")}, {ID: "C", Days: 1, LastDay: day("2025-07-02")}})
	defer delta.Release()
	u := stateUpdate{what: "customer_cut_state",
		tables: []stateTable{{"customer_cut_state", CutStateSchema}, {"customer_cut_meta", CutMetaSchema}, {"customer_cut_delta", CutStateSchema}},
		steps: []stateStep{sqlStep("clear_cut_changed"), sqlStep("clear_cut_delta"), loadStep("customer_cut_delta", delta),
			sqlStep("advance_cut"), sqlStep("insert_cut_delta"), sqlStep("clear_cut_delta"), sqlStep("clear_cut_meta"), sqlStep("write_cut_meta", "2025-07-03")}}
	if err := wh.InTx(ctx, func(tx warehouse.Tx) error { return u.run(ctx, wh, tx) }); err != nil {
		t.Fatal(err)
	}
	var got string
	q := `SELECT string_agg(customer_id || ' ' || days || ' ' || last_day, '; ' ORDER BY customer_id) FROM customer_cut_state`
	if err := wh.QueryRow(ctx, q, nil, &got); err != nil {
		t.Fatal(err)
	}
	if want := "A 3 2025-07-03; C 1 2025-07-02"; got != want {
		t.Errorf("customer_cut_state %q, want %q", got, want)
	}
	var cut string
	if err := wh.QueryRow(ctx, `SELECT CAST(cut AS VARCHAR) || '/' || (SELECT count(*) FROM customer_cut_delta) FROM customer_cut_meta`, nil, &cut); err != nil {
		t.Fatal(err)
	}
	if cut != "2025-07-03/0" {
		t.Errorf("cut/staged rows %q, want 2025-07-03/0", cut)
	}
	// A failing step is named with its table.
	bad := stateUpdate{what: "customer_cut_state", steps: []stateStep{sqlStep("write_cut_meta", "not a date")}}
	err = wh.InTx(ctx, func(tx warehouse.Tx) error { return bad.run(ctx, wh, tx) })
	if err == nil || !strings.Contains(err.Error(), "customer_cut_state (write_cut_meta)") {
		t.Errorf("failing step: err %v, want it named", err)
	}
}
