package reports

import (
	_ "embed"
	"fmt"
	"log/slog"
	"os"
	"sync"

	"github.com/golang/freetype/truetype"
)

// embeddedFontTTF is Noto Sans SC Regular (SIL Open Font License 1.1, see
// fonts/OFL.txt), subset to ASCII, Latin-1, general and CJK punctuation,
// full-width forms and the 6,763 hanzi of GB 2312 — the characters of
// Chinese store, region, product and channel names in practice — with
// TrueType outlines, the only kind the chart rasteriser
// (github.com/golang/freetype) reads. fonts/README.md says how it was made.
// It is compiled into the binary so charts draw Chinese on a machine without
// any CJK font; a system font is used only when reports.font_path names it.
//
//go:embed fonts/NotoSansSC-Regular-subset.ttf
var embeddedFontTTF []byte

// EmbeddedFontName is what ChartFont reports as the path of the built-in font.
const EmbeddedFontName = "embedded:NotoSansSC-Regular-subset.ttf"

// cjkProbe are characters a configured font must have to be used for chart
// text.
const cjkProbe = "华东上海店客户"

// fontLogger is where font warnings go (tests replace it).
var fontLogger = slog.Default

var fontState struct {
	sync.Mutex
	configured string // reports.font_path
	resolved   bool
	font       *truetype.Font
	path       string
	warned     map[rune]bool // runes already reported as missing
}

var embeddedFont = sync.OnceValues(func() (*truetype.Font, error) {
	return truetype.Parse(embeddedFontTTF)
})

// SetChartFontPath sets a CJK-capable TrueType font (TTF, or TTC with
// TrueType outlines) to use for chart text instead of the embedded one —
// config reports.font_path. An empty path means the embedded font. It takes
// effect for charts drawn afterwards.
func SetChartFontPath(path string) {
	fontState.Lock()
	defer fontState.Unlock()
	fontState.configured = path
	fontState.resolved = false
	fontState.font = nil
	fontState.path = ""
	fontState.warned = nil
}

// ChartFont returns the font used for chart text and where it came from:
// the configured file (SetChartFontPath) when it is a usable CJK TrueType
// font, otherwise the embedded Noto Sans SC subset (EmbeddedFontName). A
// configured file that cannot be used is reported once as a warning. The
// system's fonts are never searched, so charts look the same on every
// machine.
func ChartFont() (*truetype.Font, string) {
	fontState.Lock()
	defer fontState.Unlock()
	if fontState.resolved {
		return fontState.font, fontState.path
	}
	fontState.resolved = true
	if p := fontState.configured; p != "" {
		f, err := loadCJKFont(p)
		if err == nil {
			fontState.font, fontState.path = f, p
			return f, p
		}
		fontLogger().Warn("reports.font_path is not a usable CJK TrueType font; using the embedded Noto Sans SC",
			"path", p, "error", err)
	}
	f, err := embeddedFont()
	if err != nil {
		// The embedded file is part of the build; a parse failure is a
		// broken build, caught by TestEmbeddedFontCovers.
		panic(fmt.Sprintf("reports: embedded chart font: %v", err))
	}
	fontState.font, fontState.path = f, EmbeddedFontName
	return fontState.font, fontState.path
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
	if m := MissingGlyphs(f, cjkProbe); len(m) > 0 {
		return nil, fmt.Errorf("font %s has no glyph for %q", path, string(m))
	}
	return f, nil
}

// MissingGlyphs returns the distinct characters of s, in order of first
// appearance, that font f has no glyph for (spaces and control characters
// are not counted).
func MissingGlyphs(f *truetype.Font, s string) []rune {
	var out []rune
	seen := map[rune]bool{}
	for _, r := range s {
		if r <= ' ' || seen[r] {
			continue
		}
		seen[r] = true
		if f.Index(r) == 0 {
			out = append(out, r)
		}
	}
	return out
}

// warnMissingGlyphs logs, once per character, the characters of a chart's
// text that the chart font cannot draw (they come out as boxes), so a rare
// character in a store name is noticed and reports.font_path can name a
// fuller font.
func warnMissingGlyphs(f *truetype.Font, path string, c *Chart) {
	if f == nil {
		return
	}
	text := c.Title
	for _, l := range c.Labels {
		text += l
	}
	for _, s := range c.Series {
		text += s.Name
	}
	missing := MissingGlyphs(f, text)
	if len(missing) == 0 {
		return
	}
	fontState.Lock()
	if fontState.warned == nil {
		fontState.warned = map[rune]bool{}
	}
	var fresh []rune
	for _, r := range missing {
		if !fontState.warned[r] {
			fontState.warned[r] = true
			fresh = append(fresh, r)
		}
	}
	fontState.Unlock()
	if len(fresh) > 0 {
		fontLogger().Warn("chart font has no glyph for some characters; they are drawn as boxes (set reports.font_path to a fuller TrueType CJK font)",
			"chart", c.ID, "font", path, "characters", string(fresh))
	}
}
