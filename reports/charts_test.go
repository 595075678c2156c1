package reports

import (
	"bytes"
	"image"
	"image/png"
	"testing"
)

func decodePNG(t *testing.T, b []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("decode png: %v", err)
	}
	return img
}

// diffBox returns how many pixels differ between two same-sized images and
// the bounding box of those pixels.
func diffBox(t *testing.T, a, b image.Image) (int, image.Rectangle) {
	t.Helper()
	if a.Bounds() != b.Bounds() {
		t.Fatalf("image sizes differ: %v vs %v", a.Bounds(), b.Bounds())
	}
	n := 0
	var box image.Rectangle
	for y := a.Bounds().Min.Y; y < a.Bounds().Max.Y; y++ {
		for x := a.Bounds().Min.X; x < a.Bounds().Max.X; x++ {
			r1, g1, b1, a1 := a.At(x, y).RGBA()
			r2, g2, b2, a2 := b.At(x, y).RGBA()
			if r1 != r2 || g1 != g2 || b1 != b2 || a1 != a2 {
				n++
				p := image.Rect(x, y, x+1, y+1)
				if box.Empty() {
					box = p
				} else {
					box = box.Union(p)
				}
			}
		}
	}
	return n, box
}

// TestChartCJKGlyphs checks that Chinese labels are drawn as glyphs. Two
// charts whose labels have the same number of Chinese characters but
// different characters are drawn: with a CJK font they must differ, and
// only in the label area below the bars; without one (every character is
// the same missing-glyph box) they come out identical, which shows the
// comparison does detect "tofu".
func TestChartCJKGlyphs(t *testing.T) {
	// The embedded font: the test needs no font installed on the machine.
	SetChartFontPath("")
	font, path := ChartFont()
	if path != EmbeddedFontName {
		t.Fatalf("chart font = %q, want the embedded %q", path, EmbeddedFontName)
	}
	chart := func(labels ...string) *Chart {
		return &Chart{ID: "glyphs", Kind: ChartBar, Unit: UnitMoney, Labels: labels,
			Series: []Series{{Name: "net", Values: []float64{300, 200}}}}
	}
	a := chart("上海南京西路店", "华东")
	b := chart("杭州西湖区门店", "华南") // same character counts, different characters
	render := func(c *Chart, withFont bool) image.Image {
		f := font
		if !withFont {
			f = nil
		}
		raw, err := renderChartPNG(c, f, "")
		if err != nil {
			t.Fatal(err)
		}
		return decodePNG(t, raw)
	}
	ca, cb := render(a, true), render(b, true)
	n, box := diffBox(t, ca, cb)
	if n == 0 {
		t.Fatal("charts with different Chinese labels are identical: the labels are not drawn as glyphs")
	}
	h := ca.Bounds().Dy()
	if box.Min.Y < h*3/4 {
		t.Errorf("pixels differing between the two label sets reach up to y=%d (image height %d): expected only the x-axis label area to differ", box.Min.Y, h)
	}
	t.Logf("with CJK font: %d pixels differ in %v", n, box)

	na, nb := render(a, false), render(b, false)
	if n, _ := diffBox(t, na, nb); n != 0 {
		t.Logf("without a CJK font the two label sets differ in %d pixels (the built-in fonts draw some CJK glyphs)", n)
	} else {
		t.Logf("without a CJK font both label sets render identically (missing-glyph boxes), as expected")
	}
	if n, _ := diffBox(t, ca, na); n == 0 {
		t.Error("chart with the CJK font is identical to the one without")
	}
}

func TestRenderChartsAllKinds(t *testing.T) {
	sc := testScorecard()
	charts, err := RenderCharts(sc)
	if err != nil {
		t.Fatal(err)
	}
	if len(charts) != 5 {
		t.Fatalf("got %d charts, want 5", len(charts))
	}
	for _, c := range charts {
		img := decodePNG(t, c.PNG)
		if img.Bounds().Dx() != ChartWidth || img.Bounds().Dy() < ChartHeight {
			t.Errorf("%s: size %v", c.FileName, img.Bounds())
		}
	}
	// Many long labels switch a bar chart to horizontal bars, taller.
	labels := make([]string, 14)
	values := make([]float64, 14)
	for i := range labels {
		labels[i] = "上海南京西路第" + string([]rune("一二三四五六七八九十百千万亿")[i]) + "店"
		values[i] = float64(i + 1)
	}
	raw, err := RenderChartPNG(&Chart{ID: "many", Kind: ChartBar, Labels: labels, Series: []Series{{Name: "n", Values: values}}})
	if err != nil {
		t.Fatal(err)
	}
	if h := decodePNG(t, raw).Bounds().Dy(); h <= ChartHeight {
		t.Errorf("horizontal bar chart for 14 labels is %d px high, want more than %d", h, ChartHeight)
	}
}
