package reports

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/crmkit/crmkit/config"
)

// Layer names the audience of a scorecard (docs/scorecards.md).
type Layer string

// The three scorecard layers.
const (
	// LayerStrategy is the management view: revenue, customers, CLV,
	// lifecycle funnel, cohort retention, channel mix.
	LayerStrategy Layer = "strategy"
	// LayerOperations is the per channel / store / region view: campaigns,
	// cross-channel credit, segment sizes, social engagement.
	LayerOperations Layer = "operations"
	// LayerSupport is service and data health: tickets, resolution time,
	// satisfaction, rows loaded / quarantined, freshness, identity merges.
	LayerSupport Layer = "support"
)

// Unit says how a number is shown and formatted in HTML, text and XLSX.
//
// The zero value (UnitNone) shows numbers with up to two decimals and
// strings as they are.
type Unit string

// Units understood by the renderers.
const (
	// UnitNone is a plain value: strings as text, numbers with up to two decimals.
	UnitNone Unit = ""
	// UnitText marks a text column (names, codes); values are shown as given.
	UnitText Unit = "text"
	// UnitMoney is an amount in the order currency: 1,234,567.89.
	UnitMoney Unit = "money"
	// UnitCount is a whole number: 12,345.
	UnitCount Unit = "count"
	// UnitPct is a FRACTION shown as a percentage: 0.253 is shown "25.3%".
	// Changes of a pct KPI are shown in percentage points ("+2.1 pp").
	UnitPct Unit = "pct"
	// UnitRatio is a plain ratio with two decimals, e.g. complaints per 1,000
	// orders or a repeat-purchase multiplier: 1.27.
	UnitRatio Unit = "ratio"
	// UnitDays is a duration in days with one decimal: "3.5 d".
	UnitDays Unit = "days"
	// UnitDate is a time.Time shown as a date (2006-01-02) in its own location.
	UnitDate Unit = "date"
	// UnitPP is a difference of two fractions (rates) shown in percentage
	// points: 0.031 is shown "+3.1 pp" (an uplift, a change of a rate).
	UnitPP Unit = "pp"
)

// Better says which direction of change is good news for a KPI.
type Better string

// Directions for Better.
const (
	// BetterUp: an increase is good (revenue, active customers).
	BetterUp Better = "up"
	// BetterDown: a decrease is good (resolution time, complaints, churn).
	BetterDown Better = "down"
	// BetterNeutral: the change is shown without good/bad colour.
	BetterNeutral Better = ""
)

// ChartKind selects how a Chart is drawn.
type ChartKind string

// Chart kinds.
const (
	// ChartBar draws one bar per label for each series (grouped when there
	// are several series). Many or long labels switch to horizontal bars.
	ChartBar ChartKind = "bar"
	// ChartLine draws one line per series over the labels (e.g. months).
	ChartLine ChartKind = "line"
	// ChartStackedBar stacks the series within one bar per label (e.g.
	// revenue per month stacked by channel).
	ChartStackedBar ChartKind = "stacked_bar"
	// ChartFunnel draws the first (only) series as a funnel, labels as
	// stages (e.g. the AIPL lifecycle funnel).
	ChartFunnel ChartKind = "funnel"
	// ChartPie draws the first (only) series as shares of a whole (e.g.
	// channel mix).
	ChartPie ChartKind = "pie"
)

// Scorecard is everything one rendered scorecard shows. The chain's publish
// step fills it from the marts; the renderers in this package (WriteXLSX,
// RenderHTML / WriteHTML, RenderText, Mailer.ComposeScorecard) only format
// it and never query anything.
//
// A filtered copy for one recipient (e.g. a region manager) is a separate
// Scorecard whose contents are already restricted and whose Filter says so.
//
// Text anywhere in a Scorecard may come from the data (store, customer,
// product names) and is treated as untrusted: HTML output escapes it and
// XLSX text cells are passed through SafeCell.
type Scorecard struct {
	// Layer is strategy, operations or support.
	Layer Layer
	// Title is the heading, e.g. "Strategy scorecard" or "战略看板".
	Title string
	// Period labels the period reported, e.g. "2025-12" (month) or
	// "2025-W50" (week); PrevPeriod labels the period compared against,
	// e.g. "2025-11". PrevPeriod may be empty when there is none.
	Period     string
	PrevPeriod string
	// YoYPeriod labels the same period a year earlier, which KPI.YoY
	// holds, e.g. "2024-12"; empty when no KPI has one.
	YoYPeriod string
	// AsOf is the as-of date of the chain run (00:00 in the business time
	// zone; the as-of day is included). It is shown as a date in its own
	// location.
	AsOf time.Time
	// GeneratedAt is when the scorecard was built (shown in the header; set
	// it explicitly so output is reproducible).
	GeneratedAt time.Time
	// Filter restricts the scorecard for a recipient, e.g. {"region": "华东"};
	// it is shown in the header and may be used in the mail subject. Empty
	// for the unfiltered scorecard.
	Filter map[string]string
	// Freshness is one row per source for the data-freshness table (README
	// sheet and the footer of HTML / text).
	Freshness []SourceFreshness
	// Definitions explain the terms used (README sheet and footer).
	Definitions []Definition
	// KPIs are the headline figures shown as tiles and on the KPIs sheet,
	// each with its previous-period value.
	KPIs []KPI
	// Sections are the body: each becomes one XLSX sheet and one HTML block.
	Sections []Section
	// Language of the labels the renderers add and translate ("zh", the
	// default when empty, or "en"; see labels.go): delivery language.
	Language string
	// Currency is the ISO 4217 code of money amounts (reports.currency,
	// e.g. "CNY", shown "¥ 943,818"); empty shows amounts without a sign.
	Currency string

	localized bool // labels already translated (see localize)
}

// SourceFreshness reports how current one source is.
type SourceFreshness struct {
	// Source is the configured source name, e.g. "tmall_orders".
	Source string
	// Newest is the newest event time in the source's loaded rows (order,
	// ticket, interaction time; zero: none, e.g. a master file).
	Newest time.Time
	// LoadedAt is when the source's newest loaded file was loaded.
	LoadedAt time.Time
	// Rows is the number of rows loaded from the source (all loads).
	Rows int64
	// Quarantined is the number of rows set aside as bad.
	Quarantined int64
}

// Definition explains one term used in the scorecard.
type Definition struct {
	Term    string
	Meaning string
	// TermMsg and MeaningMsg, when set, are catalogue texts (messages.go)
	// shown instead of Term and Meaning in the scorecard's language.
	TermMsg, MeaningMsg Msg
}

// KPI is one headline figure with its previous-period value.
type KPI struct {
	// Key is a stable machine name, e.g. "net_revenue" (used in XLSX).
	Key string
	// Label is the display name, e.g. "Net revenue" or "净销售额".
	Label string
	// Value is this period's value; Prev is the previous period's value and
	// is only meaningful when HasPrev is true.
	Value   float64
	Prev    float64
	HasPrev bool
	// Unit is money, count, pct (a fraction), ratio or days.
	Unit Unit
	// YoY is the value of the same period a year earlier (Scorecard.
	// YoYPeriod), meaningful only when HasYoY is true; shown beside the
	// previous-period change.
	YoY    float64
	HasYoY bool
	// NoYoY, for a figure that has a year-earlier comparison but not this
	// time, says why (e.g. no data for that period); shown as "n/a" with it.
	NoYoY Msg
	// Better is "up" when an increase is good news, "down" when a decrease
	// is, empty for neutral.
	Better Better
}

// Delta returns Value - Prev, or 0 when there is no previous value. For a
// pct KPI this is a difference of fractions (0.05 = 5 percentage points).
func (k KPI) Delta() float64 {
	if !k.HasPrev || !finite(k.Value) || !finite(k.Prev) {
		return 0
	}
	return k.Value - k.Prev
}

// YoYPct returns the relative change against the same period a year
// earlier, (Value - YoY) / |YoY|, and false when undefined (see DeltaPct).
func (k KPI) YoYPct() (float64, bool) {
	if !k.HasYoY || k.YoY == 0 || !finite(k.Value) || !finite(k.YoY) {
		return 0, false
	}
	return (k.Value - k.YoY) / math.Abs(k.YoY), true
}

// DeltaPct returns the relative change (Value - Prev) / |Prev| as a
// fraction (0.12 = +12%), and false when it is undefined: no previous
// value, a previous value of 0, or a non-finite value.
func (k KPI) DeltaPct() (float64, bool) {
	if !k.HasPrev || k.Prev == 0 || !finite(k.Value) || !finite(k.Prev) {
		return 0, false
	}
	return (k.Value - k.Prev) / math.Abs(k.Prev), true
}

// Trend classifies a KPI's change for colouring.
type Trend string

// Trends.
const (
	TrendGood    Trend = "good"
	TrendBad     Trend = "bad"
	TrendNeutral Trend = "neutral" // no change, no previous value, or Better unset
)

// Trend says whether the change is good or bad news according to Better.
func (k KPI) Trend() Trend {
	d := k.Delta()
	if d == 0 || k.Better == BetterNeutral {
		return TrendNeutral
	}
	if (d > 0) == (k.Better == BetterUp) {
		return TrendGood
	}
	return TrendBad
}

// yoyTrend classifies the change on the same period a year earlier as
// Trend does the change on the previous period.
func (k KPI) yoyTrend() Trend {
	if !k.HasYoY {
		return TrendNeutral
	}
	y := k
	y.Prev, y.HasPrev = k.YoY, true
	return y.Trend()
}

// Section is one block of the scorecard body: one XLSX sheet, one HTML
// heading with its tables and charts.
type Section struct {
	// Name is the heading and the XLSX sheet name (cut to 31 characters,
	// characters Excel forbids replaced).
	Name string
	// Note is an optional explanation shown under the heading, as it is;
	// Notes are catalogue sentences (messages.go) shown after it in the
	// scorecard's language.
	Note  string
	Notes []Msg
	// Tables are shown in order.
	Tables []Table
	// Charts are drawn as PNG (HTML, mail) and, for bar, stacked_bar, line
	// and pie, as native Excel charts next to their data.
	Charts []Chart
}

// Column is one table column.
type Column struct {
	// Name is the header text.
	Name string
	// Unit formats the column's numbers (text, money, count, pct, ratio,
	// days, date); empty shows values as they come.
	Unit Unit
}

// Table is a titled grid of values.
type Table struct {
	// Title is optional.
	Title   string
	Columns []Column
	// Rows hold one value per column: string, float64, float32, int, int64,
	// int32, time.Time, or nil for an empty cell. Anything else is shown
	// with fmt.Sprint.
	Rows [][]any
	// Shown, when above 0, is the most rows HTML and the text part show
	// (they cut long tables anyway), saying how many of how many rows they
	// show; the XLSX holds every row.
	Shown int
	// Shade colours numeric cells by value, darker for larger (a heat map,
	// e.g. the from×to stage-flow matrix).
	Shade bool
	// Empty is what the table says when it has no rows (e.g. "no data for
	// 2025-12"); unset shows "none".
	Empty Msg
}

// Chart is a chart drawn from labels (categories) and series of values.
type Chart struct {
	// ID names the chart's image file and mail content id; letters, digits,
	// '_' and '-' only, unique within the scorecard, e.g. "revenue".
	ID string
	// Title is the caption.
	Title string
	// Kind is bar, line, stacked_bar, funnel or pie.
	Kind ChartKind
	// Labels are the categories (x axis, funnel stages, pie slices).
	Labels []string
	// Series each hold one value per label. Funnel and pie charts take
	// exactly one series. NaN marks a missing value.
	Series []Series
	// Unit formats the value axis and labels (money, count, pct, ...).
	Unit Unit
	// XTitle and YTitle name the category and the value axis; an empty
	// YTitle is the unit's name (e.g. "金额 (¥)"), an empty XTitle none.
	XTitle, YTitle string
}

// Series is one named row of chart values.
type Series struct {
	Name   string
	Values []float64
}

var chartIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

// Validate checks that the scorecard can be rendered: a known layer, a title
// and period, known units and chart kinds, rows as wide as their columns,
// series as long as their labels, and unique, file-safe chart ids. All
// renderers call it first.
func (sc *Scorecard) Validate() error {
	if sc == nil {
		return errors.New("scorecard is nil")
	}
	var errs []error
	fail := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch sc.Layer {
	case LayerStrategy, LayerOperations, LayerSupport:
	default:
		fail("layer %q: want strategy, operations or support", sc.Layer)
	}
	if strings.TrimSpace(sc.Title) == "" {
		fail("title is empty")
	}
	if strings.TrimSpace(sc.Period) == "" {
		fail("period is empty")
	}
	for i, k := range sc.KPIs {
		if !validUnit(k.Unit) {
			fail("kpi %d (%s): unknown unit %q", i, k.Key, k.Unit)
		}
		switch k.Better {
		case BetterUp, BetterDown, BetterNeutral:
		default:
			fail("kpi %d (%s): better %q: want up, down or empty", i, k.Key, k.Better)
		}
	}
	ids := map[string]bool{}
	for si, s := range sc.Sections {
		for ti, t := range s.Tables {
			for _, c := range t.Columns {
				if !validUnit(c.Unit) {
					fail("section %q table %d column %q: unknown unit %q", s.Name, ti, c.Name, c.Unit)
				}
			}
			for ri, r := range t.Rows {
				if len(r) != len(t.Columns) {
					fail("section %q table %d row %d: %d values for %d columns", s.Name, ti, ri, len(r), len(t.Columns))
				}
			}
		}
		for ci, c := range s.Charts {
			where := fmt.Sprintf("section %d (%s) chart %d (%s)", si, s.Name, ci, c.ID)
			if !chartIDPattern.MatchString(c.ID) {
				fail("%s: id must be letters, digits, '_' or '-'", where)
			} else if ids[strings.ToLower(c.ID)] {
				fail("%s: duplicate chart id", where)
			}
			ids[strings.ToLower(c.ID)] = true
			if !validUnit(c.Unit) {
				fail("%s: unknown unit %q", where, c.Unit)
			}
			switch c.Kind {
			case ChartBar, ChartLine, ChartStackedBar:
				if len(c.Series) == 0 {
					fail("%s: no series", where)
				}
			case ChartFunnel, ChartPie:
				if len(c.Series) != 1 {
					fail("%s: a %s chart takes exactly one series, got %d", where, c.Kind, len(c.Series))
				}
			default:
				fail("%s: unknown kind %q: want bar, line, stacked_bar, funnel or pie", where, c.Kind)
			}
			if len(c.Labels) == 0 {
				fail("%s: no labels", where)
			}
			for _, se := range c.Series {
				if len(se.Values) != len(c.Labels) {
					fail("%s: series %q has %d values for %d labels", where, se.Name, len(se.Values), len(c.Labels))
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid scorecard: %w", errors.Join(errs...))
	}
	return nil
}

func validUnit(u Unit) bool {
	switch u {
	case UnitNone, UnitText, UnitMoney, UnitCount, UnitPct, UnitRatio, UnitDays, UnitDate, UnitPP:
		return true
	}
	return false
}

// FilterString renders Filter as "key=value" pairs sorted by key and joined
// by ", " (e.g. "region=华东"); empty when there is no filter.
func (sc *Scorecard) FilterString() string {
	keys := make([]string, 0, len(sc.Filter))
	for k := range sc.Filter {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+sc.Filter[k])
	}
	return strings.Join(parts, ", ")
}

// BaseName is the file name stem shared by a scorecard's HTML, XLSX and
// chart files: the layer, plus the filter values when filtered, e.g.
// "strategy" or "operations_region-华东". Letters of any script are kept.
func (sc *Scorecard) BaseName() string {
	name := string(sc.Layer)
	if name == "" {
		name = "scorecard"
	}
	keys := make([]string, 0, len(sc.Filter))
	for k := range sc.Filter {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		name += "_" + config.FileStem(k) + "-" + config.FileStem(sc.Filter[k])
	}
	return name
}

// ChartFileName is the PNG file name of chart c of this scorecard, e.g.
// "strategy_revenue.png"; the HTML in file mode references it relatively.
func (sc *Scorecard) ChartFileName(c *Chart) string {
	return sc.BaseName() + "_" + c.ID + ".png"
}

// ChartContentID is the mail Content-ID (without angle brackets) of chart c
// of this scorecard; the HTML in email mode references it as "cid:<id>".
func (sc *Scorecard) ChartContentID(c *Chart) string {
	return "chart-" + string(sc.Layer) + "-" + c.ID + "@crmkit"
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
