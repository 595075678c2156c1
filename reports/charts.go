package reports

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

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

// cjkProbe are characters a CJK font must have to be used for chart text.
const cjkProbe = "华东上海店客户"

// knownCJKFonts are checked in order before the directory search. Fonts with
// PostScript (CFF) outlines — Debian's fonts-noto-cjk NotoSansCJK-*.ttc —
// cannot be read by the chart library's TrueType rasteriser and are skipped
// with a debug message; fonts-wqy-microhei is the recommended package.
var knownCJKFonts = []string{
	"/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
	"/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
	"/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
	"/usr/share/fonts/truetype/arphic/uming.ttc",
	"/usr/share/fonts/truetype/arphic/ukai.ttc",
	"/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
	"/usr/share/fonts/truetype/noto/NotoSansSC-Regular.ttf",
	"/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
	"/usr/share/fonts/wqy-microhei/wqy-microhei.ttc",
	"/Library/Fonts/Arial Unicode.ttf",
	"/System/Library/Fonts/Supplemental/Arial Unicode.ttf",
	`C:\Windows\Fonts\msyh.ttc`,
	`C:\Windows\Fonts\simhei.ttf`,
}

// fontSearchDirs are walked for font files whose names suggest CJK coverage
// when no known path works.
var fontSearchDirs = []string{"/usr/share/fonts", "/usr/local/share/fonts"}

// cjkNameHints select candidate files in the directory search.
var cjkNameHints = []string{"cjk", "wqy", "wenquanyi", "droidsansfallback", "uming", "ukai",
	"hei", "song", "kai", "ming", "yahei", "simsun", "gothic", "sc-", "sc.", "tc-", "cn", "zh", "han"}

// fontLogger is where font warnings go (tests replace it).
var fontLogger = slog.Default

var fontState struct {
	sync.Mutex
	configured string // reports.font_path
	resolved   bool
	font       *truetype.Font
	path       string
}

// SetChartFontPath sets the CJK-capable TrueType font (TTF or TTC with
// TrueType outlines) used for chart text — config reports.font_path. An
// empty path means search the system. It takes effect for charts drawn
// afterwards.
func SetChartFontPath(path string) {
	fontState.Lock()
	defer fontState.Unlock()
	fontState.configured = path
	fontState.resolved = false
	fontState.font = nil
	fontState.path = ""
}

// ChartFont returns the font used for chart text and the file it was read
// from. The configured path (SetChartFontPath) is tried first, then known
// system paths, then a search under /usr/share/fonts; the result is cached.
// When no usable CJK font exists it logs one warning and returns (nil, ""):
// charts are still drawn, with the library's built-in Latin font, and
// Chinese labels come out as empty boxes.
func ChartFont() (*truetype.Font, string) {
	fontState.Lock()
	defer fontState.Unlock()
	if fontState.resolved {
		return fontState.font, fontState.path
	}
	fontState.resolved = true
	log := fontLogger()
	if p := fontState.configured; p != "" {
		f, err := loadCJKFont(p)
		if err == nil {
			fontState.font, fontState.path = f, p
			return f, p
		}
		log.Warn("reports.font_path is not a usable CJK TrueType font; searching the system instead",
			"path", p, "error", err)
	}
	tried := map[string]bool{}
	try := func(p string) bool {
		if tried[p] {
			return false
		}
		tried[p] = true
		f, err := loadCJKFont(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				log.Debug("font skipped", "path", p, "error", err)
			}
			return false
		}
		fontState.font, fontState.path = f, p
		return true
	}
	for _, p := range knownCJKFonts {
		if try(p) {
			return fontState.font, fontState.path
		}
	}
	for _, dir := range fontSearchDirs {
		var found bool
		_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || found {
				return nil
			}
			name := strings.ToLower(d.Name())
			ext := filepath.Ext(name)
			if ext != ".ttf" && ext != ".ttc" && ext != ".otf" {
				return nil
			}
			for _, h := range cjkNameHints {
				if strings.Contains(name, h) {
					if try(p) {
						found = true
						return filepath.SkipAll
					}
					break
				}
			}
			return nil
		})
		if found {
			return fontState.font, fontState.path
		}
	}
	log.Warn("no CJK font found for chart text: Chinese labels will be drawn as empty boxes; "+
		"install Debian's fonts-wqy-microhei or set reports.font_path to a TrueType (TTF/TTC) CJK font",
		"searched", append(append([]string(nil), knownCJKFonts...), fontSearchDirs...))
	return nil, ""
}

// loadCJKFont parses a TTF/TTC file and checks that it has glyphs for
// common Chinese characters.
func loadCJKFont(path string) (*truetype.Font, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := truetype.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("parse %s (only TrueType outlines are supported): %w", path, err)
	}
	for _, r := range cjkProbe {
		if f.Index(r) == 0 {
			return nil, fmt.Errorf("font %s has no glyph for %q", path, r)
		}
	}
	return f, nil
}

// RenderChartPNG draws one chart as a PNG image. Chart text uses ChartFont.
func RenderChartPNG(c *Chart) ([]byte, error) {
	probe := Scorecard{Layer: LayerStrategy, Title: "chart", Period: "chart", Sections: []Section{{Charts: []Chart{*c}}}}
	if err := probe.Validate(); err != nil {
		return nil, err
	}
	font, _ := ChartFont()
	return renderChartPNG(c, font)
}

func renderChartPNG(c *Chart, font *truetype.Font) ([]byte, error) {
	if len(c.Labels) == 0 || len(c.Series) == 0 {
		return nil, fmt.Errorf("chart %q: no data", c.ID)
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
	horizontal, rotate := false, false
	if c.Kind == ChartBar || c.Kind == ChartStackedBar {
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
		case fits(flat):
		case len(c.Labels) <= 16 && flat <= height/4 && fits(widest(charts.DegreesToRadians(45))):
			rotate = true
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
	var err error
	switch c.Kind {
	case ChartBar, ChartStackedBar:
		opt := charts.NewBarChartOptionWithData(values)
		opt.Horizontal = horizontal
		opt.Legend = legend
		opt.CategoryAxis.Labels = labels
		opt.CategoryAxis.LabelFontStyle = labelStyle
		opt.ValueFormatter = vf
		for i := range opt.ValueAxis {
			opt.ValueAxis[i].ValueFormatter = vf
			opt.ValueAxis[i].LabelFontStyle = labelStyle
			if minValue(values) >= 0 {
				// bars start at zero (the library would otherwise pick a
				// "nice" minimum and stacked bars would be offset by it)
				opt.ValueAxis[i].Min = charts.Ptr(0.0)
			}
		}
		for i := range opt.SeriesList {
			opt.SeriesList[i].Name = names[i]
		}
		if c.Kind == ChartStackedBar {
			opt.StackSeries = charts.Ptr(true)
		}
		opt.CategoryAxis.LabelCount = len(c.Labels)
		if rotate {
			opt.CategoryAxis.LabelRotation = charts.DegreesToRadians(45)
		}
		err = p.BarChart(opt)
	case ChartLine:
		opt := charts.NewLineChartOptionWithData(values)
		opt.Legend = legend
		opt.XAxis.Labels = c.Labels
		opt.XAxis.LabelFontStyle = labelStyle
		if len(c.Labels) > 8 {
			opt.XAxis.LabelRotation = charts.DegreesToRadians(45)
		}
		opt.ValueFormatter = vf
		for i := range opt.YAxis {
			opt.YAxis[i].ValueFormatter = vf
			opt.YAxis[i].LabelFontStyle = labelStyle
		}
		for i := range opt.SeriesList {
			opt.SeriesList[i].Name = names[i]
		}
		err = p.LineChart(opt)
	case ChartFunnel:
		opt := charts.NewFunnelChartOptionWithData(values[0])
		for i := range opt.SeriesList {
			opt.SeriesList[i].Name = c.Labels[i]
			opt.SeriesList[i].Label.Show = charts.Ptr(true)
			opt.SeriesList[i].Label.FontStyle = labelStyle
			opt.SeriesList[i].Label.ValueFormatter = vf
		}
		opt.Legend = charts.LegendOption{SeriesNames: c.Labels, FontStyle: legend.FontStyle}
		err = p.FunnelChart(opt)
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
	font, _ := ChartFont()
	var out []RenderedChart
	for si := range sc.Sections {
		s := &sc.Sections[si]
		for ci := range s.Charts {
			c := &s.Charts[ci]
			png, err := renderChartPNG(c, font)
			if err != nil {
				return nil, err
			}
			out = append(out, RenderedChart{Chart: c, Section: s.Name, FileName: sc.ChartFileName(c),
				ContentID: sc.ChartContentID(c), PNG: png})
		}
	}
	return out, nil
}
