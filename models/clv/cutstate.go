package clv

import (
	"fmt"
	"time"
)

// CutState is one customer's purchases on or before a cut day (the start
// of a holdout period): how many distinct purchase days and the last of
// them. With the customer's State it gives the holdout summary at that cut
// without reading the purchases again (HoldoutFromCutStates). A customer
// whose first purchase is after the cut has none.
type CutState struct {
	// ID is the customer id.
	ID string
	// Days is the number of distinct purchase days on or before the cut.
	Days int
	// LastDay is the last of them (a day number, as in State).
	LastDay int32
}

// CutStates returns the cut states at day cut (a day number) of every
// customer of p with a purchase on or before it, in p's order.
func (p *Purchases) CutStates(cut int32) []CutState {
	out := make([]CutState, 0, len(p.ids))
	for c := range p.ids {
		s := CutState{ID: p.ids[c]}
		for _, day := range p.days[p.start[c]:p.start[c+1]] {
			if day > cut {
				break
			}
			s.Days++
			s.LastDay = day
		}
		if s.Days > 0 {
			out = append(out, s)
		}
	}
	return out
}

// AdvanceCutStates moves cut states from day from to day to (to > from):
// window holds every purchase of the days after from up to to (of every
// customer but those in skip, whose states the caller makes again), and
// each customer's days in it are added to its state (a customer first
// seen in the window gets one). states is changed in place.
func AdvanceCutStates(states map[string]CutState, window *Purchases, from, to int32, skip map[string]bool) error {
	if to <= from {
		return fmt.Errorf("clv: advance cut states from day %d to day %d: %w", from, to, ErrBadPeriod)
	}
	for c, id := range window.ids {
		if skip[id] {
			continue
		}
		s := states[id]
		s.ID = id
		for _, day := range window.days[window.start[c]:window.start[c+1]] {
			if day <= from || day > to {
				return fmt.Errorf("clv: customer %q: purchase day %d outside the window (%d, %d]: %w", id, day, from, to, ErrBadPeriod)
			}
			s.Days++
			s.LastDay = max(s.LastDay, day)
		}
		states[id] = s
	}
	return nil
}

// HoldoutFromCutStates is Purchases.Summaries(calEnd, holdoutEnd) of every
// customer of states (in their order) from the states alone, cuts being
// the cut states at calEnd by customer id, but with MeanSpend 0 (the
// holdout check and its BG/NBD fit use no spend): X is the cut state's
// days less one, t_x runs from the first day to its last day, T from the
// first day to calEnd, and XHoldout is the state's days less the cut
// state's. holdoutEnd must be on or after every state's last day.
func HoldoutFromCutStates(states []State, cuts map[string]CutState, calEnd, holdoutEnd time.Time) ([]Summary, error) {
	aligned := make([]CutState, len(states))
	for i, st := range states {
		aligned[i] = cuts[st.ID]
	}
	return HoldoutFromStateCuts(states, aligned, calEnd, holdoutEnd)
}

// HoldoutFromStateCuts is HoldoutFromCutStates with the cut states aligned
// with the states: cuts[i] is states[i]'s (its zero value when the customer
// has none), as a read of the states joined with their cut states gives
// them, without a lookup by id.
func HoldoutFromStateCuts(states []State, cuts []CutState, calEnd, holdoutEnd time.Time) ([]Summary, error) {
	if len(cuts) != len(states) {
		return nil, fmt.Errorf("clv: %d cut states for %d states: %w", len(cuts), len(states), ErrInvalidSummary)
	}
	if holdoutEnd.IsZero() {
		return nil, fmt.Errorf("clv: holdout from cut states needs a holdout end: %w", ErrBadPeriod)
	}
	if err := checkPeriod(calEnd, holdoutEnd); err != nil {
		return nil, err
	}
	cal, hold := dateDay(calEnd), dateDay(holdoutEnd)
	out := make([]Summary, 0, len(states))
	for i, st := range states {
		if st.FirstDay > cal {
			continue
		}
		if st.LastDay > hold {
			return nil, fmt.Errorf("clv: customer %q purchased on day %d, after the holdout end %d: %w", st.ID, st.LastDay, hold, ErrBadPeriod)
		}
		c := cuts[i]
		if c.Days < 1 || c.Days > st.Days || c.LastDay < st.FirstDay || c.LastDay > cal || c.LastDay > st.LastDay {
			return nil, fmt.Errorf("clv: customer %q: cut state %+v does not fit its state (first day %d, last %d, %d days) at day %d: %w",
				st.ID, c, st.FirstDay, st.LastDay, st.Days, cal, ErrBadPeriod)
		}
		out = append(out, Summary{ID: st.ID, X: c.Days - 1, TX: float64(c.LastDay-st.FirstDay) / 7, T: float64(cal-st.FirstDay) / 7, XHoldout: st.Days - c.Days})
	}
	return out, nil
}
