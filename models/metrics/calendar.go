package metrics

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/crmkit/crmkit/models/days"
)

// Common holds the settings every metric takes.
type Common struct {
	// AsOf is the as-of date: its Year, Month and Day, as written, are the
	// business date (jobs pass 00:00 in the business time zone). Events at
	// or after the start of the following day are ignored.
	AsOf time.Time
	// Location is the business time zone in which days and months are
	// taken (nil: UTC).
	Location *time.Location
	// CancelledStatuses are the order line statuses that are not sales
	// (nil: DefaultCancelledStatuses). Compared lower-cased.
	CancelledStatuses []string
}

// DefaultCancelledStatuses are the order line statuses that are not sales.
var DefaultCancelledStatuses = []string{"cancelled", "canceled", "void", "unpaid"}

// Calendar places instants (UTC microseconds) on days and months of the
// business time zone. It caches zone offsets and is not safe for concurrent
// use; each metric call makes its own.
type Calendar struct {
	loc     *time.Location
	asOfDay int32 // civil day number (days since 1970-01-01) of the as-of date
	endUS   int64 // first microsecond after the as-of day
	segs    []zoneSeg
	cur     zoneSeg
}

type zoneSeg struct{ lo, hi, off int64 } // [lo, hi) in UTC µs, offset in µs

const usPerDay = 86400 * 1e6

// NewCalendar returns the calendar of c's time zone and as-of date.
func NewCalendar(c Common) (*Calendar, error) {
	if c.AsOf.IsZero() {
		return nil, fmt.Errorf("metrics: as-of date is not set: %w", ErrBadOptions)
	}
	loc := c.Location
	if loc == nil {
		loc = time.UTC
	}
	y, m, d := c.AsOf.Date()
	cal := &Calendar{loc: loc, asOfDay: int32(days.FromCivil(y, int(m), d))}
	cal.endUS = time.Date(y, m, d+1, 0, 0, 0, 0, loc).UnixMicro()
	// Zone periods from 1970 to two years after the as-of date; outside
	// them the time package answers.
	limit := time.Date(y+2, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	t := int64(0)
	for t < limit && len(cal.segs) < 10000 {
		tt := time.UnixMicro(t).In(loc)
		_, off := tt.Zone()
		_, end := tt.ZoneBounds()
		hi := int64(math.MaxInt64)
		if !end.IsZero() {
			hi = end.UnixMicro()
		}
		if hi <= t {
			break
		}
		cal.segs = append(cal.segs, zoneSeg{lo: t, hi: hi, off: int64(off) * 1e6})
		t = hi
	}
	if len(cal.segs) > 0 {
		cal.cur = cal.segs[len(cal.segs)-1]
	}
	return cal, nil
}

// AsOfDay is the civil day number (days since 1970-01-01) of the as-of date.
func (c *Calendar) AsOfDay() int32 { return c.asOfDay }

// EndUS is the first instant (UTC microseconds) after the as-of day.
func (c *Calendar) EndUS() int64 { return c.endUS }

// AsOfMonth is the month index (year*12 + month-1) of the as-of date.
func (c *Calendar) AsOfMonth() int32 { return monthOfDay(c.asOfDay) }

func (c *Calendar) offset(us int64) int64 {
	if us >= c.cur.lo && us < c.cur.hi {
		return c.cur.off
	}
	n := len(c.segs)
	if n > 0 && us >= c.segs[0].lo && us < c.segs[n-1].hi {
		i := sort.Search(n, func(i int) bool { return c.segs[i].hi > us })
		c.cur = c.segs[i]
		return c.cur.off
	}
	_, off := time.UnixMicro(us).In(c.loc).Zone()
	return int64(off) * 1e6
}

// Day returns the civil day number of instant us in the business zone.
func (c *Calendar) Day(us int64) int32 {
	return int32(floorDiv(us+c.offset(us), usPerDay))
}

// dayStartUS returns the instant of 00:00 of civil day d in the zone.
func (c *Calendar) dayStartUS(d int32) int64 {
	y, m, dd := days.ToCivil(int64(d))
	return time.Date(y, time.Month(m), dd, 0, 0, 0, 0, c.loc).UnixMicro()
}

// monthOfDay returns the month index (year*12 + month-1) of civil day d.
func monthOfDay(d int32) int32 {
	y, m, _ := days.ToCivil(int64(d))
	return int32(y*12 + m - 1)
}

// Period returns the 'YYYY-MM' label of month index mi.
func Period(mi int32) string { return fmt.Sprintf("%04d-%02d", mi/12, mi%12+1) }

// cancelSet decides whether a status is a cancellation, remembering the
// last answer (statuses repeat).
type cancelSet struct {
	set      map[string]bool
	last     string
	lastOK   bool
	lastCanc bool
}

func newCancelSet(statuses []string) *cancelSet {
	if statuses == nil {
		statuses = DefaultCancelledStatuses
	}
	s := &cancelSet{set: map[string]bool{}}
	for _, v := range statuses {
		s.set[lower(v)] = true
	}
	return s
}

func (s *cancelSet) cancelled(status string) bool {
	if status == "" {
		return false
	}
	if s.lastOK && status == s.last {
		return s.lastCanc
	}
	c := s.set[status] || s.set[lower(status)]
	s.last, s.lastOK, s.lastCanc = clone(status), true, c
	return c
}

func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
