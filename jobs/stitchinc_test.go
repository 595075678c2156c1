package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// stitchSim loads the same files into two warehouses: inc is stitched
// the way the nightly does (incremental when it can), full with run
// --full every time.
type stitchSim struct {
	t         *testing.T
	r         *rand.Rand
	cfg       *config.Config
	inc, full *warehouse.DuckDB
	loads     int
	orders    int
	people    int
	tick      int // seconds after 2025-01-01 of the last record: every record has its own ts
	day       int
	shared    int // cards seen with the shared phone so far
}

func (s *stitchSim) exec(q string, args ...any) {
	s.t.Helper()
	for _, wh := range []*warehouse.DuckDB{s.inc, s.full} {
		if err := wh.Exec(context.Background(), q, args...); err != nil {
			s.t.Fatalf("%v\n%s", err, q)
		}
	}
}

// person's identifiers: a mobile and, for two people in three, a card.
func simPhone(p int) string { return fmt.Sprintf("1380013%04d", p) }
func simCard(p int) string {
	if p%3 == 2 {
		return ""
	}
	return fmt.Sprintf("M%05d", p)
}

type simOrder struct {
	phone, card, name, store string
	day                      int
}

// load adds one loaded file of orders (one line each) and returns its
// load id.
func (s *stitchSim) load(orders []simOrder) string {
	s.loads++
	id := fmt.Sprintf("L%03d", s.loads)
	s.exec(`INSERT INTO load_files (load_id, source, file, hash, status, rows_read, rows_loaded, rows_quarantined, loaded_at)
		VALUES (?, 'orders', ?, ?, 'loaded', 0, 0, 0, TIMESTAMPTZ '2025-06-01 00:00:00+00' + to_minutes(CAST(? AS BIGINT)))`, id, id+".csv", id, s.loads)
	var rows []string
	null := func(v string) string {
		if v == "" {
			return "NULL"
		}
		return "'" + v + "'"
	}
	for i, o := range orders {
		s.orders++
		s.tick++
		ch := []string{"tmall", "jd", "pos"}[s.orders%3]
		rows = append(rows, fmt.Sprintf("('%s', %d, '%s', 'O%05d', TIMESTAMPTZ '2025-01-01 00:00:00+00' + INTERVAL %d DAY + INTERVAL %d SECOND, %s, %s, %s, %s, 'paid', 'X', 1, 10, 10)",
			id, i+2, ch, s.orders, o.day, s.tick, null(o.phone), null(o.card), null(o.name), null(o.store)))
	}
	if len(rows) > 0 {
		s.exec(`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, phone, member_card, name, store_id, status, sku, qty, unit_price, paid_amount) VALUES ` + strings.Join(rows, ", "))
	}
	return id
}

// orderOf is an order by person p showing its phone, its card or both.
func (s *stitchSim) orderOf(p, day int) simOrder {
	o := simOrder{name: fmt.Sprintf("Name%d", p), store: fmt.Sprintf("S%d", s.r.IntN(4)), day: day}
	switch s.r.IntN(3) {
	case 0:
		o.phone = simPhone(p)
	case 1:
		o.card = simCard(p)
	default:
		o.phone, o.card = simPhone(p), simCard(p)
	}
	if o.phone == "" && o.card == "" {
		o.phone = simPhone(p)
	}
	return o
}

// step applies one random delta and names it.
func (s *stitchSim) step() string {
	switch k := s.r.IntN(10); {
	case k < 4: // a new day: known people and a few new ones
		s.day++
		var os []simOrder
		for i := 0; i < 2+s.r.IntN(4); i++ {
			os = append(os, s.orderOf(s.r.IntN(s.people), s.day))
		}
		for i := 0; i < s.r.IntN(3); i++ {
			os = append(os, s.orderOf(s.people, s.day))
			s.people++
		}
		s.load(os)
		return "new day"
	case k < 6: // a merge: one order with a's phone and b's card
		a, b := s.r.IntN(s.people), s.r.IntN(s.people)
		for simCard(b) == "" || a == b {
			a, b = s.r.IntN(s.people), s.r.IntN(s.people)
		}
		s.load([]simOrder{{phone: simPhone(a), card: simCard(b), name: fmt.Sprintf("Name%d", a), store: "S1", day: s.day}})
		return "merge"
	case k < 8: // the store phone typed on a new member's receipt; the
		// fourth card pushes it over the cap (3 strong ids of one kind)
		s.shared++
		p := s.people
		s.people++
		// no name: walk-ins' receipts, so that the cap, not many_names,
		// refuses the phone
		s.load([]simOrder{{phone: "13900000000", card: fmt.Sprintf("M%05d", p), store: "S2", day: s.day}})
		if s.shared == 4 {
			return "over the cap"
		}
		return "shared phone"
	default: // a late file for an old day: known and new people
		day := s.r.IntN(max(s.day-5, 1))
		os := []simOrder{s.orderOf(s.r.IntN(s.people), day), s.orderOf(s.people, day)}
		s.people++
		s.load(os)
		return "late file"
	}
}

// stitchBoth runs the stitch job on both warehouses as run id runID and
// returns the incremental one's message.
func (s *stitchSim) stitchBoth(runID string) string {
	s.t.Helper()
	ctx := context.Background()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	inc, err := runStitch(ctx, &Env{Cfg: s.cfg, WH: s.inc, Log: log, RunID: runID, Job: JobStitch})
	if err != nil {
		s.t.Fatalf("incremental stitch %s: %v", runID, err)
	}
	if _, err := runStitch(ctx, &Env{Cfg: s.cfg, WH: s.full, Log: log, RunID: runID, Job: JobStitch, Full: true}); err != nil {
		s.t.Fatalf("full stitch %s: %v", runID, err)
	}
	return inc.Message
}

// compare fails when a stitch table differs between the two warehouses.
func (s *stitchSim) compare(after []string) {
	s.t.Helper()
	for _, tb := range []string{"identity_map", "identity_assignments", "customers", "identity_changes"} {
		if d := tableDiff(s.t, s.inc.DB(), s.full.DB(), tb); d != "" {
			s.t.Fatalf("after steps %v: %s differs: %s", after, tb, d)
		}
	}
}

// TestIncrementalStitchEqualsRebuild is the property test of the
// incremental stitch: random sequences of new days (known and new
// people), merges by an order carrying one person's phone and another's
// card, a store phone typed on new members' receipts until the cap
// refuses it, late files for old days and, now and then, an unloaded
// file; after each step identity_map, identity_assignments, customers and
// identity_changes (customer ids exact) equal the full stitch of the same
// files. Steps that cannot split anything must take the incremental path;
// the step that pushes the store phone over the cap and an unloaded file
// must rebuild.
func TestIncrementalStitchEqualsRebuild(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			s := &stitchSim{t: t, r: rand.New(rand.NewPCG(seed, 21)), cfg: testCfg(), inc: testWH(t), full: testWH(t), day: 30}
			var first []simOrder
			for p := 0; p < 6; p++ {
				first = append(first, s.orderOf(p, s.day-s.r.IntN(20)))
			}
			s.people = 6
			s.load(first)
			if msg := s.stitchBoth("r00"); !strings.HasPrefix(msg, "full stitch (no identity_graph_state yet") {
				t.Fatalf("first stitch: %s", msg)
			}
			s.compare([]string{"first"})
			kinds := []string{"first"}
			incremental := 0
			unloaded := map[string]bool{}
			for i := 1; i <= 16; i++ {
				kind := s.step()
				if i%7 == 0 {
					// unload a file still loaded (not the step's own)
					l := fmt.Sprintf("L%03d", 1+s.r.IntN(s.loads-1))
					for unloaded[l] {
						l = fmt.Sprintf("L%03d", 1+s.r.IntN(s.loads-1))
					}
					unloaded[l] = true
					s.exec(`UPDATE load_files SET status = 'unloaded' WHERE load_id = ?`, l)
					s.exec(`DELETE FROM raw_order_lines WHERE _load_id = ?`, l)
					kind += " + unloaded file"
				}
				kinds = append(kinds, kind)
				msg := s.stitchBoth(fmt.Sprintf("r%02d", i))
				switch {
				case strings.Contains(kind, "unloaded"):
					if !strings.Contains(msg, "no longer loaded (unloaded or replaced)") {
						t.Fatalf("step %d (%s): %s", i, kind, msg)
					}
				case kind == "over the cap":
					if !strings.Contains(msg, "identifier phone:+8613900000000 newly refused (cap)") {
						t.Fatalf("step %d (%s): %s", i, kind, msg)
					}
				case strings.HasPrefix(msg, "incremental:"):
					incremental++
				default:
					t.Fatalf("step %d (%s) rebuilt: %s", i, kind, msg)
				}
				s.compare(kinds)
			}
			if incremental < 8 {
				t.Fatalf("only %d incremental steps in %v", incremental, kinds)
			}
		})
	}
}

// TestIncrementalStitchFallsBack: each reason to rebuild, in the job
// message, and the incremental path when nothing forbids it.
func TestIncrementalStitchFallsBack(t *testing.T) {
	ctx := context.Background()
	s := &stitchSim{t: t, r: rand.New(rand.NewPCG(3, 3)), cfg: testCfg(), inc: testWH(t), full: testWH(t), day: 10, people: 3}
	s.load([]simOrder{s.orderOf(0, 1), s.orderOf(1, 2), s.orderOf(2, 3)})
	changed := testCfg()
	changed.Identity.Blocklist = []string{"phone:13800130001"}
	cases := []struct {
		name   string
		change func()
		cfg    *config.Config
		full   bool
		want   string
	}{
		{"first stitch", func() {}, s.cfg, false, "full stitch (no identity_graph_state yet (first stitch)): "},
		{"nothing new", func() {}, s.cfg, false, "incremental: no new loads, nothing to link"},
		{"a new day", func() { s.load([]simOrder{s.orderOf(0, 4), s.orderOf(3, 4)}) }, s.cfg, false,
			"incremental: 1 new loads, 2 new records, 1 customers touched; restitched 3 records -> 2 customers; 0 merges, 1 new ids"},
		{"run --full", func() {}, s.cfg, true, "full stitch (run --full): "},
		{"blocklist changed", func() {}, changed, false, "full stitch (the identity config (or the phone number library) changed since the graph was built): "},
		{"order exported again", func() {
			s.load(nil)
			s.exec(`INSERT INTO raw_order_lines (_load_id, _row, channel, order_id, order_ts, phone, status, sku, qty, unit_price, paid_amount)
				SELECT ?, 2, channel, order_id, order_ts, phone, status, sku, qty, unit_price, paid_amount FROM raw_order_lines WHERE order_id = 'O00001'`, fmt.Sprintf("L%03d", s.loads))
		}, changed, false, "full stitch (1 orders of the new loads were exported before (their identifiers may have changed)): "},
		{"file unloaded", func() {
			s.exec(`UPDATE load_files SET status = 'unloaded' WHERE load_id = 'L002'`)
		}, changed, false, "full stitch (1 loads in the identity graph are no longer loaded (unloaded or replaced)): "},
	}
	for i, c := range cases {
		c.change()
		res, err := runStitch(ctx, &Env{Cfg: c.cfg, WH: s.inc, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RunID: fmt.Sprintf("r%d", i), Full: c.full})
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !strings.HasPrefix(res.Message, c.want) {
			t.Errorf("%s: message %q, want it to start with %q", c.name, res.Message, c.want)
		}
	}
}
