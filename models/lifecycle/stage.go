package lifecycle

import (
	"fmt"
	"time"
)

// Stage is a stage of the pyramid (fine) view; the zero value NoStage means
// the customer is in no stage on that date.
type Stage uint8

// Pyramid stages, lowest to highest. A customer gets the highest stage whose
// rule holds (see Compute).
const (
	NoStage Stage = iota
	Aware
	Interested
	FirstPurchase
	Repeat
	Loyal
	Advocate
)

// numStages is the number of Stage values including NoStage.
const numStages = int(Advocate) + 1

var pyramidNames = [numStages]string{"", "aware", "interested", "first_purchase", "repeat", "loyal", "advocate"}

// String returns the stage name as written to the marts ("" for NoStage).
func (s Stage) String() string {
	if int(s) < numStages {
		return pyramidNames[s]
	}
	return fmt.Sprintf("stage(%d)", uint8(s))
}

// AIPL returns the AIPL stage the pyramid stage belongs to.
func (s Stage) AIPL() AIPLStage {
	switch s {
	case Aware:
		return StageA
	case Interested:
		return StageI
	case FirstPurchase, Repeat:
		return StageP
	case Loyal, Advocate:
		return StageL
	}
	return AIPLNone
}

// AIPLStage is a stage of the AIPL view; AIPLNone means no stage.
type AIPLStage uint8

// AIPL stages, lowest to highest.
const (
	AIPLNone AIPLStage = iota
	StageA
	StageI
	StageP
	StageL
)

const numAIPL = int(StageL) + 1

var aiplNames = [numAIPL]string{"", "aware", "interested", "purchased", "loyal"}

// String returns the AIPL stage name as written to the marts ("" for
// AIPLNone).
func (s AIPLStage) String() string {
	if int(s) < numAIPL {
		return aiplNames[s]
	}
	return fmt.Sprintf("aipl(%d)", uint8(s))
}

// Names used in the marts.
const (
	// ViewAIPL and ViewPyramid are the values of the view column.
	ViewAIPL    = "aipl"
	ViewPyramid = "pyramid"
	// ChannelAll is the channel of the rows counted across channels.
	ChannelAll = "all"
	// ChannelUnknown is the channel of events whose channel is empty.
	ChannelUnknown = "unknown"
	// FromNew is the from_stage of entries (no stage at the previous date).
	FromNew = "new"
	// ToLost is the to_stage of losses (no stage at the as-of date).
	ToLost = "lost"
	// StageAnonymousOrders is the stage of the counts rows holding the
	// number of anonymous receipts (orders without a customer).
	StageAnonymousOrders = "anonymous_orders"
)

// PyramidStages lists the pyramid stages in funnel order (lowest first).
func PyramidStages() []Stage {
	return []Stage{Aware, Interested, FirstPurchase, Repeat, Loyal, Advocate}
}

// AIPLStages lists the AIPL stages in funnel order (A, I, P, L).
func AIPLStages() []AIPLStage { return []AIPLStage{StageA, StageI, StageP, StageL} }

// Params are the stage rules' windows and thresholds (config.Models.Lifecycle).
type Params struct {
	// AwareDays is the window, in calendar days ending on the as-of day
	// inclusive, of the reach events (target campaign contact, content view).
	AwareDays int
	// InterestDays is the window of interactions (like, comment, share,
	// click), follows, and of the shares that make an advocate.
	InterestDays int
	// PurchaseDays is the window of purchases.
	PurchaseDays int
	// LoyalMinDays is the number of distinct purchase days within
	// PurchaseDays that makes a buyer loyal.
	LoyalMinDays int
	// AdvocateShares is the number of shares within InterestDays that makes
	// a buyer an advocate.
	AdvocateShares int
	// Location is the business time zone: days and windows start at its
	// midnights (nil means UTC).
	Location *time.Location
}

// DefaultParams returns the defaults of config.Models.Lifecycle (90, 90,
// 365, 2, 1) in UTC.
func DefaultParams() Params {
	return Params{AwareDays: 90, InterestDays: 90, PurchaseDays: 365, LoyalMinDays: 2, AdvocateShares: 1, Location: time.UTC}
}

func (p Params) validate() error {
	switch {
	case p.AwareDays < 1:
		return fmt.Errorf("lifecycle: aware_days must be at least 1, got %d", p.AwareDays)
	case p.InterestDays < 1:
		return fmt.Errorf("lifecycle: interest_days must be at least 1, got %d", p.InterestDays)
	case p.PurchaseDays < 1:
		return fmt.Errorf("lifecycle: purchase_days must be at least 1, got %d", p.PurchaseDays)
	case p.LoyalMinDays < 1:
		return fmt.Errorf("lifecycle: loyal_min_days must be at least 1, got %d", p.LoyalMinDays)
	case p.AdvocateShares < 1:
		return fmt.Errorf("lifecycle: advocate_shares must be at least 1, got %d", p.AdvocateShares)
	}
	return nil
}

// PrevMonth returns the same day one calendar month before d (at 00:00 in
// d's location), clamped to the last day of that month: 2024-03-31 gives
// 2024-02-29. The lifecycle job compares each as-of date with PrevMonth of it.
func PrevMonth(d time.Time) time.Time {
	y, m, day := d.Date()
	first := time.Date(y, m-1, 1, 0, 0, 0, 0, d.Location())
	last := first.AddDate(0, 1, -1).Day()
	if day > last {
		day = last
	}
	return time.Date(first.Year(), first.Month(), day, 0, 0, 0, 0, d.Location())
}
