package reports

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/go-analyze/charts"
	"github.com/golang/freetype/truetype"
)

// Chart images are drawn at this size (pixels); horizontal bar charts grow
// in height with the number of labels.
const (
	ChartWidth  = 640
	ChartHeight = 360
	// chartFontSize is the size of chart text in pixels; charts shrink to
	// about half on a phone, so it is larger than body text.
	chartFontSize = 14
)

// RenderChartPNG draws one chart as a PNG image. Chart text uses ChartFont.
func RenderChartPNG(c *Chart) ([]byte, error) {
	probe := Scorecard{Layer: LayerStrategy, Title: "chart", Period: "chart", Sections: []Section{{Charts: []Chart{*c}}}}
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	font, path := ChartFont()
	warnMissingGlyphs(font, path, c)
	return renderChartPNG(c, font, valueAxisTitle(c, LangZH, ""))
}

// renderChartPNG draws c with font; yTitle names the value axis. Funnel
// charts are drawn as horizontal bars, stages top-down in the given order,
// each with its value: a funnel's widths would suggest a narrowing that
// lifecycle counts (a stage can hold more customers than the one before)
// do not have.
func renderChartPNG(c *Chart, font *truetype.Font, yTitle string) ([]byte, error) {
	if len(c.Labels) == 0 || len(c.Series) == 0 {
		return nil, fmt.Errorf("chart %q: no data", c.ID)
	}
	kind := c.Kind
	if kind == ChartFunnel {
		kind = ChartBar
	}
	vf := axisFormatter(c.Unit)
	names := make([]string, len(c.Series))
	values := make([][]float64, len(c.Series))
	for i, s := range c.Series {
		names[i] = s.Name
		values[i] = make([]float64, len(s.Values))
		for j, v := range s.Values {
			if !finite(v) {
				// a gap in bars and lines; nothing in stacks, pies and funnels
				v = charts.GetNullValue()
				if c.Kind == ChartStackedBar || c.Kind == ChartPie || c.Kind == ChartFunnel {
					v = 0
				}
			}
			values[i][j] = v
		}
	}
	width, height := ChartWidth, ChartHeight
	horizontal, rotate := c.Kind == ChartFunnel, false
	rotation := charts.DegreesToRadians(45)
	if kind == ChartBar || kind == ChartStackedBar {
		// Every bar gets its label (the axis label count is forced below):
		// labels must fit with 10% spacing in the category axis (about 100
		// px go to the value axis and padding). Short labels are rotated by
		// 45° when that makes them fit; otherwise the bars turn horizontal.
		widest := func(rot float64) int {
			maxW := 0
			for _, l := range c.Labels {
				maxW = max(maxW, measureLabel(l, rot, font))
			}
			return maxW
		}
		fits := func(w int) bool { return float64(len(c.Labels))*1.1*float64(w) <= float64(width-100) }
		switch flat := widest(0); {
		case horizontal:
		case fits(flat):
		case len(c.Labels) <= 16 && flat <= height/4 && fits(widest(charts.DegreesToRadians(45))):
			rotate = true
		case len(c.Labels) <= 24 && flat <= height/4 && fits(widest(charts.DegreesToRadians(90))):
			// e.g. twelve months "2025-01": upright bars read as a time
			// series; the labels stand vertically
			rotate, rotation = true, charts.DegreesToRadians(90)
		default:
			horizontal = true
		}
		if horizontal {
			height = min(max(ChartHeight, 80+len(c.Labels)*len(c.Series)*26), 1600)
		}
	}
	labels := c.Labels
	if horizontal {
		// The library draws the first category at the bottom; reverse so
		// the chart reads top-down in the given order.
		labels = slices.Clone(labels)
		slices.Reverse(labels)
		for i := range values {
			slices.Reverse(values[i])
		}
	}
	p := charts.NewPainter(charts.PainterOptions{
		OutputFormat: charts.ChartOutputPNG,
		Width:        width,
		Height:       height,
		Font:         font,
	})
	legend := charts.LegendOption{SeriesNames: names, Show: charts.Ptr(len(c.Series) > 1)}
	legend.FontStyle = charts.NewFontStyleWithSize(chartFontSize)
	legend.FontStyle.Font = font
	labelStyle := charts.NewFontStyleWithSize(chartFontSize)
	labelStyle.Font = font
	titleStyle := charts.NewFontStyleWithSize(chartFontSize - 1)
	titleStyle.Font = font
	titleStyle.FontColor = charts.ColorRGB(0x57, 0x60, 0x6a)
	// Counts tick at whole numbers: the axis runs from 0 to a multiple of
	// an integer step (1, 2 or 5 × 10^k) with one label per step.
	countAxis := func(o *charts.ValueAxisOption, stacked bool) {
		if c.Unit != UnitCount || minValue(values) < 0 {
			return
		}
		top := maxValue(values, stacked)
		step := intStep(top)
		n := int(math.Ceil(top / step))
		if n == 0 {
			n = 1
		}
		o.Min = charts.Ptr(0.0)
		o.Max = charts.Ptr(float64(n) * step)
		o.LabelCount = n + 1
		o.PreferNiceIntervals = charts.Ptr(false)
	}
	var err error
	switch kind {
	case ChartBar, ChartStackedBar:
		opt := charts.NewBarChartOptionWithData(values)
		opt.Horizontal = horizontal
		opt.Legend = legend
		opt.CategoryAxis.Labels = labels
		opt.CategoryAxis.LabelFontStyle = labelStyle
		opt.CategoryAxis.Title = c.XTitle
		opt.CategoryAxis.TitleFontStyle = titleStyle
		opt.ValueFormatter = vf
		for i := range opt.ValueAxis {
			opt.ValueAxis[i].ValueFormatter = vf
			opt.ValueAxis[i].LabelFontStyle = labelStyle
			opt.ValueAxis[i].Title = yTitle
			opt.ValueAxis[i].TitleFontStyle = titleStyle
			if minValue(values) >= 0 {
				// bars start at zero (the library would otherwise pick a
				// "nice" minimum and stacked bars would be offset by it)
				opt.ValueAxis[i].Min = charts.Ptr(0.0)
			}
			countAxis(&opt.ValueAxis[i], kind == ChartStackedBar)
		}
		for i := range opt.SeriesList {
			opt.SeriesList[i].Name = names[i]
			if c.Kind == ChartFunnel {
				opt.SeriesList[i].Label.Show = charts.Ptr(true)
				opt.SeriesList[i].Label.FontStyle = labelStyle
				opt.SeriesList[i].Label.ValueFormatter = vf
			}
		}
		if kind == ChartStackedBar {
			opt.StackSeries = charts.Ptr(true)
		}
		opt.CategoryAxis.LabelCount = len(c.Labels)
		if rotate {
			opt.CategoryAxis.LabelRotation = rotation
		}
		err = p.BarChart(opt)
	case ChartLine:
		opt := charts.NewLineChartOptionWithData(values)
		opt.Legend = legend
		opt.XAxis.Labels = c.Labels
		opt.XAxis.LabelFontStyle = labelStyle
		opt.XAxis.Title = c.XTitle
		opt.XAxis.TitleFontStyle = titleStyle
		if len(c.Labels) > 8 {
			opt.XAxis.LabelRotation = charts.DegreesToRadians(45)
		}
		opt.ValueFormatter = vf
		for i := range opt.YAxis {
			opt.YAxis[i].ValueFormatter = vf
			opt.YAxis[i].LabelFontStyle = labelStyle
			opt.YAxis[i].Title = yTitle
			opt.YAxis[i].TitleFontStyle = titleStyle
			countAxis(&opt.YAxis[i], false)
		}
		for i := range opt.SeriesList {
			opt.SeriesList[i].Name = names[i]
		}
		err = p.LineChart(opt)
	case ChartPie:
		opt := charts.NewPieChartOptionWithData(values[0])
		for i := range opt.SeriesList {
			opt.SeriesList[i].Name = c.Labels[i]
			opt.SeriesList[i].Label.Show = charts.Ptr(true)
			opt.SeriesList[i].Label.FontStyle = labelStyle
		}
		// slice labels carry the names; no legend
		opt.Legend = charts.LegendOption{SeriesNames: c.Labels, FontStyle: legend.FontStyle, Show: charts.Ptr(false)}
		err = p.PieChart(opt)
	default:
		return nil, fmt.Errorf("chart %q: unknown kind %q", c.ID, c.Kind)
	}
	if err != nil {
		return nil, fmt.Errorf("chart %q: %w", c.ID, err)
	}
	b, err := p.Bytes()
	if err != nil {
		return nil, fmt.Errorf("chart %q: encode png: %w", c.ID, err)
	}
	return b, nil
}

// maxValue is the largest value, or with stacked the largest sum over the
// series at one label; 0 when there is none above 0.
func maxValue(values [][]float64, stacked bool) float64 {
	m := 0.0
	for j := range values[0] {
		sum := 0.0
		for i := range values {
			v := values[i][j]
			if !finite(v) {
				continue
			}
			if stacked {
				sum += v
			} else {
				m = max(m, v)
			}
		}
		m = max(m, sum)
	}
	return m
}

// intStep is an integer axis step of 1, 2 or 5 × 10^k giving at most six
// intervals from 0 to top (top 45 → 10; top 7 → 2; top 3 → 1).
func intStep(top float64) float64 {
	if top <= 0 {
		return 1
	}
	for mag := 1.0; ; mag *= 10 {
		for _, m := range []float64{1, 2, 5} {
			if step := m * mag; top/step <= 6 {
				return step
			}
		}
	}
}

func minValue(values [][]float64) float64 {
	m := math.Inf(1)
	for _, vs := range values {
		for _, v := range vs {
			if finite(v) && v < m {
				m = v
			}
		}
	}
	return m
}

// measureLabel returns the width in pixels of a chart label.
func measureLabel(s string, rotation float64, font *truetype.Font) int {
	p := charts.NewPainter(charts.PainterOptions{Width: ChartWidth, Height: ChartHeight, Font: font})
	fs := charts.NewFontStyleWithSize(chartFontSize)
	fs.Font = font
	fs.FontColor = charts.ColorBlack
	return p.MeasureText(s, rotation, fs).Width()
}

// axisFormatter returns a compact number formatter for a unit.
func axisFormatter(u Unit) func(float64) string {
	return func(v float64) string {
		switch u {
		case UnitPct:
			return trimZeros(strconv.FormatFloat(v*100, 'f', 1, 64)) + "%"
		case UnitDays:
			return compactNumber(v) + "d"
		}
		return compactNumber(v)
	}
}

// compactNumber writes 1234567 as "1.23M", 12345 as "12.3K".
func compactNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case a >= 1e9:
		return trimZeros(strconv.FormatFloat(v/1e9, 'f', 2, 64)) + "B"
	case a >= 1e6:
		return trimZeros(strconv.FormatFloat(v/1e6, 'f', 2, 64)) + "M"
	case a >= 1e4:
		return trimZeros(strconv.FormatFloat(v/1e3, 'f', 1, 64)) + "K"
	case a >= 100 || v == math.Trunc(v):
		return groupThousands(strconv.FormatFloat(v, 'f', 0, 64))
	}
	return trimZeros(strconv.FormatFloat(v, 'f', 2, 64))
}

func trimZeros(s string) string {
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	return s
}

// RenderedChart is a chart drawn to PNG with the names it goes by in a
// scorecard's HTML (file name) and mail (content id).
type RenderedChart struct {
	Chart     *Chart
	Section   string
	FileName  string // e.g. "strategy_revenue.png"
	ContentID string // without angle brackets, e.g. "chart-strategy-revenue@crmkit"
	PNG       []byte
}

// RenderCharts draws every chart of the scorecard, in section order.
func RenderCharts(sc *Scorecard) ([]RenderedChart, error) {
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	sc = localize(sc)
	sym := CurrencySymbol(sc.Currency)
	font, path := ChartFont()
	var out []RenderedChart
	for si := range sc.Sections {
		s := &sc.Sections[si]
		for ci := range s.Charts {
			c := &s.Charts[ci]
			warnMissingGlyphs(font, path, c)
			png, err := renderChartPNG(c, font, valueAxisTitle(c, sc.lang(), sym))
			if err != nil {
				return nil, err
			}
			out = append(out, RenderedChart{Chart: c, Section: s.Name, FileName: sc.ChartFileName(c),
				ContentID: sc.ChartContentID(c), PNG: png})
		}
	}
	return out, nil
}
