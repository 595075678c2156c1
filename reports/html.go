package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// HTMLMode selects how a rendered scorecard references its chart images.
type HTMLMode int

const (
	// HTMLFile references charts as PNG files beside the HTML file
	// (<img src="strategy_revenue.png">); see WriteHTML.
	HTMLFile HTMLMode = iota
	// HTMLEmail references charts by mail content id
	// (<img src="cid:chart-strategy-revenue@crmkit">); the images travel
	// as inline parts of the message (see Mailer.ComposeScorecard).
	HTMLEmail
)

//go:embed templates/scorecard.html.tmpl
var scorecardHTML string

var scorecardTmpl = template.Must(template.New("scorecard").Parse(scorecardHTML))

// Colours of good / bad / neutral changes (HTML and text markers).
const (
	htmlGood    = "#1a7f37"
	htmlBad     = "#cf222e"
	htmlNeutral = "#57606a"
)

type htmlView struct {
	Title      string
	Layer      string
	Period     string
	PrevPeriod string
	YoYPeriod  string
	AsOf       string
	Generated  string
	Filter     []Definition
	Notices    []string
	KPIs       []kpiView
	Sections   []sectionView
	Freshness  []freshView
	Defs       []Definition
	Summary    string
	L          map[string]string // fixed texts in the scorecard's language
}

// htmlMaxRows is the most rows of one table the HTML shows (fewer when
// Table.Shown says so): the detail is in the XLSX, whose sheet the HTML
// names, and a mail part past 102 KB is clipped by Gmail.
const htmlMaxRows = 20

type kpiView struct {
	Label, Value, Prev, Delta, DeltaPct, Arrow string
	Colour                                     string
	HasPrev                                    bool
	// YoY is the change on the same period a year earlier, e.g. "+3.2%",
	// with its arrow and colour; YoYBase that period's value; YoYNA the
	// reason there is no comparison ("n/a: no data for 2024-12").
	YoY, YoYArrow, YoYColour, YoYBase, YoYNA string
}

type sectionView struct {
	Name, Note string
	Charts     []chartView
	Tables     []tableView
	Empty      bool // nothing under the heading: "none" is shown
}

type chartView struct {
	Title string
	Src   template.URL
	Width int
}

type tableView struct {
	Title   string
	Headers []cellView
	Rows    [][]cellView
	Cut     string // what was left out and where to find it
	Empty   string // what a table without rows says
}

type cellView struct {
	Text  string
	Num   bool
	Bg    string // background colour of a shaded cell
	Short bool   // kept on one line (dates, months, names, headers)
}

// shortCell is the widest text (in columns, CJK counting 2) kept on one
// line: a month "2025-01" or a region "华东" broken over two lines on a
// phone reads worse than a table that scrolls sideways in its box.
const shortCell = 20

type freshView struct {
	Source, Newest, Loaded, Age, Rows, Quarantined string
}

// RenderHTML renders the scorecard as one self-contained HTML document for
// browsers and mail clients: inline CSS only, no JavaScript, table layout,
// readable on a phone (max-width container, KPI tiles that wrap, wide
// tables scrolling inside their own box). Charts are referenced as files
// beside the HTML (HTMLFile) or by content id (HTMLEmail). All text from
// the scorecard is escaped by html/template.
func RenderHTML(sc *Scorecard, mode HTMLMode) (string, error) {
	return renderHTML(sc, mode, nil)
}

func renderHTML(sc *Scorecard, mode HTMLMode, notices []string) (string, error) {
	if err := sc.Validate(); err != nil {
		return "", err
	}
	l := localize(sc)
	var b bytes.Buffer
	// Fewer rows per table until the page fits the mail budget; the rows
	// left out are in the XLSX, and the page says which sheet.
	for _, rows := range []int{htmlMaxRows, 10, 5} {
		v := buildView(l, mode, rows)
		v.Notices = notices
		b.Reset()
		if err := scorecardTmpl.Execute(&b, v); err != nil {
			return "", fmt.Errorf("render html: %w", err)
		}
		if b.Len() <= htmlMaxBytes {
			break
		}
	}
	return b.String(), nil
}

// htmlMaxBytes is the size an HTML scorecard is kept under by showing
// fewer table rows: Gmail clips a message body past 102 KB.
const htmlMaxBytes = 95 * 1024

// WriteHTML writes the scorecard's HTML (HTMLFile mode) and its chart PNGs
// into dir, creating it, and returns the files written, the HTML first:
// dir/<BaseName>.html and dir/<BaseName>_<chart id>.png.
func WriteHTML(sc *Scorecard, dir string) ([]string, error) {
	html, err := RenderHTML(sc, HTMLFile)
	if err != nil {
		return nil, err
	}
	charts, err := RenderCharts(sc)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("write html: %w", err)
	}
	htmlPath := filepath.Join(dir, sc.BaseName()+".html")
	files := []string{htmlPath}
	for _, c := range charts {
		p := filepath.Join(dir, c.FileName)
		if err := writeFileAtomic(p, c.PNG); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	// The HTML last, so it never references a missing image.
	if err := writeFileAtomic(htmlPath, []byte(html)); err != nil {
		return nil, err
	}
	return files, nil
}

// writeFileAtomic writes data to path through a temporary file and rename.
func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

func trendColour(t Trend) string {
	switch t {
	case TrendGood:
		return htmlGood
	case TrendBad:
		return htmlBad
	}
	return htmlNeutral
}

func changeArrow(d float64) string {
	switch {
	case d > 0:
		return "▲"
	case d < 0:
		return "▼"
	}
	return "■"
}

func buildView(sc *Scorecard, mode HTMLMode, maxRows int) htmlView {
	loc := sc.AsOf.Location()
	lang := sc.lang()
	nf := newNumFmt(sc)
	v := htmlView{
		Title:      sc.Title,
		Layer:      layerName(lang, sc.Layer),
		Period:     sc.Period,
		PrevPeriod: sc.PrevPeriod,
		YoYPeriod:  sc.YoYPeriod,
		AsOf:       dateOrEmpty(sc.AsOf, "2006-01-02"),
		Generated:  dateOrEmpty(sc.GeneratedAt.In(loc), "2006-01-02 15:04 MST"),
		Defs:       sc.Definitions,
		Summary:    summaryLine(sc),
		L:          map[string]string{},
	}
	for k := range ui {
		v.L[k] = uiText(lang, k)
	}
	for _, kv := range sortedFilter(sc.Filter) {
		v.Filter = append(v.Filter, Definition{Term: tr(lang, kv[0]), Meaning: kv[1]})
	}
	for _, k := range sc.KPIs {
		kv := kpiView{Label: k.Label, Value: nf.value(k.Value, k.Unit), HasPrev: k.HasPrev, Colour: htmlNeutral}
		if k.HasPrev {
			kv.Prev = nf.value(k.Prev, k.Unit)
			kv.Delta = nf.delta(k.Delta(), k.Unit)
			if p, ok := k.DeltaPct(); ok && k.Unit != UnitPct && k.Unit != UnitPP {
				kv.DeltaPct = FormatPct(p)
			}
			kv.Arrow = changeArrow(k.Delta())
			kv.Colour = trendColour(k.Trend())
		}
		kv.YoY, kv.YoYBase, kv.YoYNA = yoyTexts(sc, k, nf)
		if kv.YoY != "" {
			kv.YoYArrow, kv.YoYColour = changeArrow(k.Value-k.YoY), trendColour(k.yoyTrend())
		}
		v.KPIs = append(v.KPIs, kv)
	}
	sheets := sectionSheetNames(sc)
	for si := range sc.Sections {
		s := &sc.Sections[si]
		sv := sectionView{Name: s.Name, Note: s.Note, Empty: len(s.Tables) == 0 && len(s.Charts) == 0}
		for ci := range s.Charts {
			c := &s.Charts[ci]
			src := template.URL(sc.ChartFileName(c))
			if mode == HTMLEmail {
				src = template.URL("cid:" + sc.ChartContentID(c))
			}
			sv.Charts = append(sv.Charts, chartView{Title: c.Title, Src: src, Width: ChartWidth})
		}
		for _, t := range s.Tables {
			tv := tableView{Title: t.Title, Empty: t.Empty.In(lang)}
			if tv.Empty == "" {
				tv.Empty = uiText(lang, "none")
			}
			for _, c := range t.Columns {
				tv.Headers = append(tv.Headers, cellView{Text: c.Name, Num: numericUnit(c.Unit), Short: displayWidth(c.Name) <= shortCell})
			}
			rows, limit := t.Rows, maxRows
			if t.Shown > 0 && t.Shown < limit {
				limit = t.Shown
			}
			if len(rows) > limit {
				rows = rows[:limit]
				tv.Cut = fmt.Sprintf(uiText(lang, "morerows"), limit, len(t.Rows), sheets[si])
			}
			top := 0.0
			if t.Shade {
				top = tableMax(t)
			}
			for _, r := range rows {
				cells := make([]cellView, len(r))
				for i, val := range r {
					cells[i] = cellView{Text: nf.cell(val, t.Columns[i].Unit), Num: isNumericCell(val)}
					cells[i].Short = displayWidth(cells[i].Text) <= shortCell
					if x, ok := toFloat(val); ok && t.Shade {
						cells[i].Bg = shade(x, top)
					}
				}
				tv.Rows = append(tv.Rows, cells)
			}
			sv.Tables = append(sv.Tables, tv)
		}
		v.Sections = append(v.Sections, sv)
	}
	for _, f := range sc.Freshness {
		v.Freshness = append(v.Freshness, freshnessView(lang, f, sc.AsOf))
	}
	return v
}

// yoyTexts are a KPI's change on the same period a year earlier ("+3.2%",
// pct KPIs in points), that period's value, and, when the KPI has no
// comparison, "n/a" with the reason: no data for that period, or a value
// of 0 there (no relative change).
func yoyTexts(sc *Scorecard, k KPI, nf numFmt) (change, base, na string) {
	lang := sc.lang()
	switch {
	case k.HasYoY:
		base = nf.value(k.YoY, k.Unit)
		if k.Unit == UnitPct || k.Unit == UnitPP {
			return nf.delta(k.Value-k.YoY, UnitPct), base, ""
		}
		if p, ok := k.YoYPct(); ok {
			return FormatPct(p), base, ""
		}
		return "", base, M("yoy.na", M("yoy.zero", sc.YoYPeriod)).In(lang)
	case !k.NoYoY.IsZero():
		return "", "", M("yoy.na", k.NoYoY).In(lang)
	}
	return "", "", ""
}

func numericUnit(u Unit) bool {
	switch u {
	case UnitMoney, UnitCount, UnitPct, UnitRatio, UnitDays, UnitPP:
		return true
	}
	return false
}

// freshnessLayout shows a freshness time with its zone (the business
// zone), e.g. "2025-12-31 21:58 CST".
const freshnessLayout = "2006-01-02 15:04 MST"

// freshnessView formats a source's freshness; Age is measured from the end
// of the as-of day.
func freshnessView(lang string, f SourceFreshness, asOf time.Time) freshView {
	fv := freshView{Source: f.Source, Rows: FormatValue(float64(f.Rows), UnitCount),
		Quarantined: FormatValue(float64(f.Quarantined), UnitCount), Newest: uiText(lang, "noevent"), Loaded: "–", Age: "–"}
	if !f.LoadedAt.IsZero() {
		fv.Loaded = f.LoadedAt.In(asOf.Location()).Format(freshnessLayout)
	}
	if !f.Newest.IsZero() {
		fv.Newest = f.Newest.In(asOf.Location()).Format(freshnessLayout)
		if !asOf.IsZero() {
			age := asOf.AddDate(0, 0, 1).Sub(f.Newest).Hours() / 24
			fv.Age = fmt.Sprintf(uiText(lang, "age_days"), strconv.FormatFloat(max(age, 0), 'f', 1, 64))
		}
	}
	return fv
}

func sortedFilter(m map[string]string) [][2]string {
	var out [][2]string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, [2]string{k, m[k]})
	}
	return out
}
