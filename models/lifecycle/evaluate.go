package lifecycle

// The evaluation behind Compute: each customer's stage at both dates from
// its packed event keys, tallied per part, then the counts per stage and
// the flows between the two dates.

import (
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// dayTable numbers the calendar days of a location between two instants.
type dayTable struct {
	mids []int64 // successive local midnights
	loc  *time.Location
}

func newDayTable(from, to int64, loc *time.Location) dayTable {
	t := time.Unix(from, 0).In(loc)
	y, m, d := t.Date()
	var mids []int64
	for i := 0; ; i++ {
		s := time.Date(y, m, d+i, 0, 0, 0, 0, loc).Unix()
		mids = append(mids, s)
		if s > to {
			break
		}
	}
	return dayTable{mids: mids, loc: loc}
}

// day returns a number that differs between calendar days and is equal
// within one (only called for instants in the table's range).
func (t *dayTable) day(sec int64) int {
	m := t.mids
	if sec < m[0] || sec >= m[len(m)-1] {
		y, mo, d := time.Unix(sec, 0).In(t.loc).Date()
		return int(time.Date(y, mo, d, 0, 0, 0, 0, time.UTC).Unix()/86400) + 1<<40
	}
	i := int((sec - m[0]) / 86400)
	if i > len(m)-2 {
		i = len(m) - 2
	}
	for m[i] > sec {
		i--
	}
	for m[i+1] <= sec {
		i++
	}
	return i
}

// model holds what the workers share (read only).
type model struct {
	p       Params
	chNames []string
	days    dayTable
}

// eval returns the pyramid stage of one customer's sorted events at w and
// the channel code of the customer at that date. follow is the customer's
// first follow interval in part pt.
func (m *model) eval(pt *part, keys []uint64, follow int32, w *window) (Stage, uint16) {
	var (
		aware, interested, bought, before bool
		shares, days                      int
		lastDay                           = -1
		pCh, oCh                          = -1, -1
		pSec, oSec                        int64
	)
	for _, k := range keys {
		t := keySec(k)
		if t >= w.end {
			break
		}
		ch := int(keyCh(k))
		kind := keyKind(k)
		if kind == kPurchase {
			if t >= w.sP {
				bought = true
				if d := m.days.day(t); d != lastDay {
					days++
					lastDay = d
				}
			} else {
				before = true
			}
			// keys are sorted by time: a later purchase replaces the
			// channel; at the same second the greater channel name wins
			if pCh < 0 || t > pSec || m.chNames[ch] > m.chNames[pCh] {
				pCh, pSec = ch, t
			}
			continue
		}
		switch kind {
		case kContact, kView:
			if t >= w.sA {
				aware = true
			}
		case kFollow, kInteract:
			if t >= w.sI {
				interested = true
			}
		case kShare:
			if t >= w.sI {
				interested = true
				shares++
			}
		}
		if oCh < 0 || t > oSec || m.chNames[ch] > m.chNames[oCh] {
			oCh, oSec = ch, t
		}
	}
	if !interested {
		for f := follow; f >= 0; f = pt.fNext[f] {
			from, to := pt.fFrom[f], pt.fTo[f]
			if from < w.end && (to >= w.end || to < from) {
				interested = true
				break
			}
		}
	}
	ch := 0
	if pCh >= 0 {
		ch = pCh
	} else if oCh >= 0 {
		ch = oCh
	}
	var s Stage
	switch {
	case bought && shares >= m.p.AdvocateShares:
		s = Advocate
	case bought && days >= m.p.LoyalMinDays:
		s = Loyal
	case bought && (before || days >= 2):
		s = Repeat
	case bought:
		s = FirstPurchase
	case interested:
		s = Interested
	case aware:
		s = Aware
	}
	return s, uint16(ch)
}

// tally is one worker's counts.
type tally struct {
	counts []int64 // [channel*numStages + stage] at the as-of date
	flows  [numStages][numStages]int64
	events int64
	err    error
}

// evalPart interns, groups and evaluates one part at both dates.
func (m *model) evalPart(pt *part, w1, w2 *window, t *tally) error {
	if err := pt.intern(); err != nil {
		return err
	}
	n := len(pt.names)
	pt.prev = make([]Stage, n)
	pt.cur = make([]Stage, n)
	pt.ch = make([]uint16, n)
	for i := range n {
		seg := pt.events[pt.off[i]:pt.off[i+1]]
		if len(seg) > 1 {
			slices.Sort(seg)
		}
		s1, _ := m.eval(pt, seg, pt.fHead[i], w1)
		s2, ch := m.eval(pt, seg, pt.fHead[i], w2)
		pt.prev[i], pt.cur[i], pt.ch[i] = s1, s2, ch
		t.counts[int(ch)*numStages+int(s2)]++
		t.flows[s1][s2]++
	}
	t.events += int64(len(pt.events))
	pt.events, pt.off, pt.fHead, pt.fNext, pt.fFrom, pt.fTo = nil, nil, nil, nil, nil, nil
	return nil
}

func (m *model) run(d1, d2 time.Time, w1, w2 window, c *collector) (*Result, error) {
	nch := len(m.chNames)
	workers := min(runtime.GOMAXPROCS(0), 8, len(c.parts))
	tallies := make([]tally, workers)
	var next atomic.Int64
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := &tallies[wk]
			t.counts = make([]int64, nch*numStages)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(c.parts) || t.err != nil {
					return
				}
				t.err = m.evalPart(&c.parts[i], &w1, &w2, t)
			}
		}()
	}
	wg.Wait()
	counts := make([]int64, nch*numStages)
	var flows [numStages][numStages]int64
	res := &Result{AsOf: d2, PrevAsOf: d1, Ignored: c.ignored}
	for _, t := range tallies {
		if t.err != nil {
			return nil, t.err
		}
		for i, v := range t.counts {
			counts[i] += v
		}
		for a := range numStages {
			for b := range numStages {
				flows[a][b] += t.flows[a][b]
			}
		}
		res.Events += t.events
	}
	staged := 0
	for i := range c.parts {
		res.KnownCustomers += len(c.parts[i].names)
		for _, s := range c.parts[i].cur {
			if s != NoStage {
				staged++
			}
		}
	}
	res.Customers = make([]CustomerStage, 0, staged)
	for i := range c.parts {
		pt := &c.parts[i]
		for j, s := range pt.cur {
			if s != NoStage {
				res.Customers = append(res.Customers, CustomerStage{
					CustomerID: pt.names[j], Pyramid: s, AIPL: s.AIPL(), Channel: m.chNames[pt.ch[j]], Prev: pt.prev[j],
				})
			}
		}
	}
	for _, a := range c.anon {
		res.AnonymousOrders += a
	}
	res.Counts = m.counts(counts, c.anon)
	res.Flows = flowRows(&flows)
	return res, nil
}

// counts lays out the counts grid: view x channel x stage, plus anonymous.
func (m *model) counts(counts, anon []int64) []Count {
	nch := len(m.chNames)
	var used []int
	for ch := range nch {
		seen := anon[ch] > 0
		for s := 1; s < numStages && !seen; s++ {
			seen = counts[ch*numStages+s] > 0
		}
		if seen {
			used = append(used, ch)
		}
	}
	sort.Slice(used, func(a, b int) bool { return m.chNames[used[a]] < m.chNames[used[b]] })
	// one column per channel, "all" first: pyramid counts and anonymous receipts
	type col struct {
		name string
		pyr  [numStages]int64
		anon int64
	}
	cols := []col{{name: ChannelAll}}
	for _, ch := range used {
		cl := col{name: m.chNames[ch], anon: anon[ch]}
		copy(cl.pyr[:], counts[ch*numStages:(ch+1)*numStages])
		cols = append(cols, cl)
	}
	for ch := range nch {
		for s := range numStages {
			cols[0].pyr[s] += counts[ch*numStages+s]
		}
		cols[0].anon += anon[ch]
	}
	var out []Count
	for _, cl := range cols {
		var aipl [numAIPL]int64
		for s := 1; s < numStages; s++ {
			aipl[Stage(s).AIPL()] += cl.pyr[s]
		}
		for _, s := range AIPLStages() {
			out = append(out, Count{View: ViewAIPL, Channel: cl.name, Stage: s.String(), Customers: aipl[s]})
		}
		out = append(out, Count{View: ViewAIPL, Channel: cl.name, Stage: StageAnonymousOrders, Customers: cl.anon})
	}
	for _, cl := range cols {
		for _, s := range PyramidStages() {
			out = append(out, Count{View: ViewPyramid, Channel: cl.name, Stage: s.String(), Customers: cl.pyr[s]})
		}
		out = append(out, Count{View: ViewPyramid, Channel: cl.name, Stage: StageAnonymousOrders, Customers: cl.anon})
	}
	return out
}

// flowRows lays out both views' matrices from the pyramid matrix (index 0
// = no stage).
func flowRows(f *[numStages][numStages]int64) []Flow {
	var aipl [numAIPL][numAIPL]int64
	for a := range numStages {
		for b := range numStages {
			aipl[Stage(a).AIPL()][Stage(b).AIPL()] += f[a][b]
		}
	}
	var out []Flow
	emit := func(view string, k int, cell func(a, b int) int64, name func(int) string) {
		for a := range k {
			var base int64
			for b := range k {
				base += cell(a, b)
			}
			from := FromNew
			if a > 0 {
				from = name(a)
			}
			for b := 1; b <= k; b++ {
				bb := b % k // stages 1..k-1, then 0 (lost) last
				if a == 0 && bb == 0 {
					continue
				}
				to := ToLost
				if bb > 0 {
					to = name(bb)
				}
				fl := Flow{View: view, From: from, To: to, Customers: cell(a, bb)}
				if a > 0 && base > 0 {
					fl.Rate, fl.HasRate = float64(fl.Customers)/float64(base), true
				}
				out = append(out, fl)
			}
		}
	}
	emit(ViewAIPL, numAIPL, func(a, b int) int64 { return aipl[a][b] }, func(i int) string { return AIPLStage(i).String() })
	emit(ViewPyramid, numStages, func(a, b int) int64 { return f[a][b] }, func(i int) string { return Stage(i).String() })
	return out
}
