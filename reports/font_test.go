package reports

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// TestEmbeddedFontCovers checks the embedded chart font has a glyph for
// every character the scorecards draw in charts: every hanzi of GB 2312
// (decoded here from the standard's code table, rows 16-87), the stage,
// region and label words, currency and change signs.
func TestEmbeddedFontCovers(t *testing.T) {
	f, err := embeddedFont()
	if err != nil {
		t.Fatalf("parse embedded font: %v", err)
	}
	dec := simplifiedchinese.GBK.NewDecoder()
	var hanzi []rune
	for row := 0xB0; row <= 0xF7; row++ { // GB 2312 rows 16-87: the 6,763 hanzi
		for cell := 0xA1; cell <= 0xFE; cell++ {
			if row == 0xD7 && cell > 0xF9 { // row 55 ends at 0xD7F9
				break
			}
			s, err := dec.Bytes([]byte{byte(row), byte(cell)})
			if err != nil {
				t.Fatal(err)
			}
			hanzi = append(hanzi, []rune(string(s))...)
		}
	}
	if len(hanzi) != 6763 {
		t.Fatalf("decoded %d GB 2312 hanzi, want 6763", len(hanzi))
	}
	tests := []struct{ name, text string }{
		{"GB 2312 hanzi", string(hanzi)},
		{"ASCII", func() string {
			var b strings.Builder
			for r := rune(0x21); r < 0x7f; r++ {
				b.WriteRune(r)
			}
			return b.String()
		}()},
		{"regions", "华东华南华北华中西南西北东北港澳台"},
		{"AIPL stages", "认知兴趣购买忠诚流失"},
		{"signs", "¥€£$%‰▲▼■–—·，。：；（）「」【】、％＋－"},
		{"labels", chineseLabelText()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if m := MissingGlyphs(f, tc.text); len(m) > 0 {
				t.Errorf("embedded font has no glyph for %d characters: %q", len(m), string(m))
			}
		})
	}
	// A character outside the subset is reported (the check can fail).
	if m := MissingGlyphs(f, "华𠀀"); string(m) != "𠀀" {
		t.Errorf("MissingGlyphs = %q, want the one CJK Extension B character", string(m))
	}
}

// TestChartFontConfigured: a configured font is used when it is a CJK
// TrueType font; otherwise one warning names reports.font_path and the
// embedded font is used, and charts are still drawn.
func TestChartFontConfigured(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "copy.ttf")
	if err := os.WriteFile(good, embeddedFontTTF, 0o644); err != nil {
		t.Fatal(err)
	}
	notFont := filepath.Join(dir, "not-a-font.ttf")
	if err := os.WriteFile(notFont, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	old := fontLogger
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fontLogger = func() *slog.Logger { return logger }
	t.Cleanup(func() { fontLogger = old; SetChartFontPath("") })

	tests := []struct {
		name, path, want, warn string
	}{
		{"none configured", "", EmbeddedFontName, ""},
		{"usable file", good, good, ""},
		{"missing file", filepath.Join(dir, "missing.ttf"), EmbeddedFontName, "reports.font_path is not a usable CJK TrueType font"},
		{"not a font", notFont, EmbeddedFontName, "only TrueType outlines are supported"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			logBuf.Reset()
			SetChartFontPath(tc.path)
			for range 3 {
				if f, p := ChartFont(); f == nil || p != tc.want {
					t.Fatalf("ChartFont() = %v, %q; want %q", f != nil, p, tc.want)
				}
			}
			png, err := RenderChartPNG(&Chart{ID: "x", Kind: ChartLine, Labels: []string{"华东", "华南"},
				Series: []Series{{Name: "a", Values: []float64{1, 2}}}})
			if err != nil || len(png) == 0 {
				t.Fatalf("render: %v", err)
			}
			out := logBuf.String()
			if tc.warn == "" && out != "" {
				t.Errorf("unexpected warning: %s", out)
			}
			if tc.warn != "" && (strings.Count(out, "level=WARN") != 1 || !strings.Contains(out, tc.warn)) {
				t.Errorf("want one warning containing %q, got:\n%s", tc.warn, out)
			}
		})
	}
}

// TestMissingGlyphWarning: a character the font lacks is named once.
func TestMissingGlyphWarning(t *testing.T) {
	var logBuf bytes.Buffer
	old := fontLogger
	logger := slog.New(slog.NewTextHandler(&logBuf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	fontLogger = func() *slog.Logger { return logger }
	t.Cleanup(func() { fontLogger = old; SetChartFontPath("") })
	SetChartFontPath("")
	c := &Chart{ID: "rare", Kind: ChartBar, Labels: []string{"𠀀店", "华东"}, Series: []Series{{Name: "n", Values: []float64{1, 2}}}}
	for range 2 {
		if _, err := RenderChartPNG(c); err != nil {
			t.Fatal(err)
		}
	}
	out := logBuf.String()
	if strings.Count(out, "no glyph") != 1 || !strings.Contains(out, "characters=𠀀") {
		t.Errorf("want one warning naming 𠀀, got:\n%s", out)
	}
}
