package clv

import (
	"fmt"
	"time"
)

// State is one customer's purchase history reduced to what the summaries
// of any calibration end on or after the last purchase day need. It is
// kept per customer between runs, so that a run recomputes the states of
// the customers whose purchases changed and takes the others as they are:
// X, t_x and T of a calibration end are then arithmetic on the state.
type State struct {
	// ID is the customer id.
	ID string
	// FirstDay and LastDay are the first and last purchase days (days
	// since 1970-01-01 of the calendar day, as in Purchases).
	FirstDay, LastDay int32
	// Days is the number of distinct purchase days.
	Days int
	// FirstValue is the value of the first purchase day (the sum of its
	// transactions).
	FirstValue float64
	// RepeatValue is the sum of the values of the later purchase days,
	// added in day order (as Summaries adds them, so that a summary from
	// the state equals the one from the purchases bit for bit).
	RepeatValue float64
}

// States returns one State per customer with purchases, in the order of
// Summaries.
func (p *Purchases) States() []State {
	out := make([]State, 0, len(p.ids))
	for c := range p.ids {
		days, value := p.days[p.start[c]:p.start[c+1]], p.value[p.start[c]:p.start[c+1]]
		if len(days) == 0 {
			continue
		}
		s := State{ID: p.ids[c], FirstDay: days[0], LastDay: days[len(days)-1], Days: len(days), FirstValue: value[0]}
		for i := 1; i < len(days); i++ {
			s.RepeatValue += value[i]
		}
		out = append(out, s)
	}
	return out
}

// Summary returns the customer's summary for the calibration end cal (a
// day number) with no holdout, and false when the first purchase is after
// cal. It fails (ErrBadPeriod) when a purchase is after cal: the state no
// longer tells how many fall before it.
func (s State) Summary(cal int32) (Summary, bool, error) {
	if s.FirstDay > cal {
		return Summary{}, false, nil
	}
	if s.LastDay > cal {
		return Summary{}, false, fmt.Errorf("clv: customer %q purchased on day %d, after the calibration end %d: %w", s.ID, s.LastDay, cal, ErrBadPeriod)
	}
	sum := Summary{ID: s.ID, X: s.Days - 1, TX: float64(s.LastDay-s.FirstDay) / 7, T: float64(cal-s.FirstDay) / 7}
	if sum.X > 0 {
		sum.MeanSpend = s.RepeatValue / float64(sum.X)
	}
	return sum, true, nil
}

// SummariesFromStates is Purchases.Summaries(calEnd, zero) from the
// states of the purchases (in the states' order): equal to it when no
// purchase is after calEnd, an error (ErrBadPeriod) otherwise.
func SummariesFromStates(states []State, calEnd time.Time) ([]Summary, error) {
	if err := checkPeriod(calEnd, time.Time{}); err != nil {
		return nil, err
	}
	cal := dateDay(calEnd)
	out := make([]Summary, 0, len(states))
	for _, st := range states {
		s, ok, err := st.Summary(cal)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, s)
		}
	}
	return out, nil
}

// DayNumber is the day number (days since 1970-01-01) of t's calendar date
// in t's own location, the unit of State's days.
func DayNumber(t time.Time) int32 { return dateDay(t) }

// HoldoutFromStates is Purchases.Summaries(calEnd, holdoutEnd) of every
// customer of states, where recent holds the purchases of (at least) the
// customers with a purchase after calEnd: the others' summaries are
// arithmetic on their state (none of their purchases is in the holdout),
// so only the customers active in the holdout period are read again.
// holdoutEnd must be on or after every state's last day. The summaries are
// in the states' order.
func HoldoutFromStates(states []State, recent *Purchases, calEnd, holdoutEnd time.Time) ([]Summary, error) {
	if holdoutEnd.IsZero() {
		return nil, fmt.Errorf("clv: holdout from states needs a holdout end: %w", ErrBadPeriod)
	}
	if err := checkPeriod(calEnd, holdoutEnd); err != nil {
		return nil, err
	}
	cal, hold := dateDay(calEnd), dateDay(holdoutEnd)
	var byID map[string]Summary
	if recent != nil {
		rs, err := recent.Summaries(calEnd, holdoutEnd)
		if err != nil {
			return nil, err
		}
		byID = make(map[string]Summary, len(rs))
		for _, s := range rs {
			byID[s.ID] = s
		}
	}
	out := make([]Summary, 0, len(states))
	for _, st := range states {
		switch {
		case st.FirstDay > cal:
			continue
		case st.LastDay > hold:
			return nil, fmt.Errorf("clv: customer %q purchased on day %d, after the holdout end %d: %w", st.ID, st.LastDay, hold, ErrBadPeriod)
		case st.LastDay <= cal:
			s, _, err := st.Summary(cal)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		default:
			s, ok := byID[st.ID]
			if !ok {
				return nil, fmt.Errorf("clv: customer %q purchased after the calibration end but is not among the recent purchases: %w", st.ID, ErrBadPeriod)
			}
			out = append(out, s)
		}
	}
	return out, nil
}
