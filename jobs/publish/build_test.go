package publish

import (
	"testing"
	"time"

	"github.com/crmkit/crmkit/reports"
)

func TestPeriods(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, sh) }
	cases := []struct {
		asOf                     time.Time
		cur, curTo, prev, prevTo time.Time
		curLabel, prevLabel      string
	}{
		// A month end compares whole months.
		{d(2025, 12, 31), d(2025, 12, 1), d(2026, 1, 1), d(2025, 11, 1), d(2025, 12, 1), "2025-12", "2025-11"},
		// Mid-month: the first 15 days of March against the first 15 of February.
		{d(2025, 3, 15), d(2025, 3, 1), d(2025, 3, 16), d(2025, 2, 1), d(2025, 2, 16), "2025-03", "2025-02"},
		// 30 March: February has no 30th, so the whole of February.
		{d(2025, 3, 30), d(2025, 3, 1), d(2025, 3, 31), d(2025, 2, 1), d(2025, 3, 1), "2025-03", "2025-02"},
		// January compares with December of the year before.
		{d(2026, 1, 10), d(2026, 1, 1), d(2026, 1, 11), d(2025, 12, 1), d(2025, 12, 11), "2026-01", "2025-12"},
	}
	for _, c := range cases {
		cur, prev := Periods(c.asOf)
		if !cur.From.Equal(c.cur) || !cur.To.Equal(c.curTo) || !prev.From.Equal(c.prev) || !prev.To.Equal(c.prevTo) || cur.Label != c.curLabel || prev.Label != c.prevLabel {
			t.Errorf("Periods(%s) = %v..%v %s / %v..%v %s", c.asOf.Format("2006-01-02"), cur.From, cur.To, cur.Label, prev.From, prev.To, prev.Label)
		}
	}
}

func TestPivot(t *testing.T) {
	long := reports.Table{Columns: []reports.Column{{Name: "month"}, {Name: "channel"}, {Name: "net", Unit: reports.UnitMoney}},
		Rows: [][]any{{"2025-01", "pos", 10.0}, {"2025-01", "jd", 5.0}, {"2025-02", "pos", 7.0}}}
	p := pivot(long)
	if len(p.Columns) != 4 || p.Columns[1].Name != "pos" || p.Columns[2].Name != "jd" || p.Columns[3].Name != "total" {
		t.Fatalf("columns %+v", p.Columns)
	}
	if p.Rows[0][1] != 10.0 || p.Rows[0][2] != 5.0 || p.Rows[0][3] != 15.0 || p.Rows[1][1] != 7.0 || p.Rows[1][2] != 0.0 || p.Rows[1][3] != 7.0 {
		t.Fatalf("rows %v", p.Rows)
	}
}
