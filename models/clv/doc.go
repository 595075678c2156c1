// Package clv estimates customer lifetime value from transaction logs with
// the BG/NBD model of purchase frequency (Fader, Hardie & Lee 2005,
// "Counting Your Customers the Easy Way", Marketing Science 24(2)) and the
// Gamma-Gamma model of spend per purchase (Fader & Hardie 2013, note 025).
//
// The package is pure: it reads no files and keeps no global state. The
// typical flow is
//
//	sums, err := clv.Summarize(txns, calEnd, holdoutEnd) // or SummaryFromRecords
//	m, err := clv.Fit(sums, clv.FitOptions{})
//	scores, err := m.Score(sums, clv.ScoreOptions{HorizonMonths: 12, MonthlyDiscountRate: 0.01})
//
// Time conventions. A purchase is a distinct calendar day (several
// transactions on one UTC day count as one purchase whose value is their
// sum). Recency TX and age T are measured in weeks (days/7) from the
// customer's first purchase day; X counts the repeat purchase days in the
// calibration period. Every model function takes times in the same unit as
// the summaries it was fitted on (weeks when the summaries come from this
// package).
package clv
