package reports

import (
	"flag"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite testdata/*.golden.* from the current output")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *updateGolden {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range max(len(gl), len(wl)) {
			var g, w string
			if i < len(gl) {
				g = gl[i]
			}
			if i < len(wl) {
				w = wl[i]
			}
			if g != w {
				t.Fatalf("%s differs from the output at line %d:\n got: %s\nwant: %s\n(run go test -run %s -update if the change is intended)", path, i+1, g, w, t.Name())
			}
		}
	}
}

func TestHTMLGolden(t *testing.T) {
	html, err := RenderHTML(testScorecard(), HTMLFile)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "strategy.golden.html", html)
}

func TestTextGolden(t *testing.T) {
	text, err := RenderText(testScorecard())
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "strategy.golden.txt", text)
}

func TestHTMLEscapesData(t *testing.T) {
	sc := testScorecard()
	evil := "<script>alert(1)</script>"
	sc.Title = evil
	sc.Filter = map[string]string{"region": evil}
	sc.KPIs[0].Label = evil
	sc.Sections[0].Name = evil
	sc.Sections[0].Note = evil
	sc.Sections[0].Charts[0].Title = `"><img src=x onerror=alert(1)>`
	sc.Definitions = append(sc.Definitions, Definition{Term: evil, Meaning: evil})
	sc.Freshness = append(sc.Freshness, SourceFreshness{Source: evil})
	for _, mode := range []HTMLMode{HTMLFile, HTMLEmail} {
		html, err := RenderHTML(sc, mode)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("mode %d: escaped store name missing", mode)
		}
		if strings.Contains(strings.ToLower(html), "<script") {
			t.Errorf("mode %d: output contains <script", mode)
		}
		if strings.Contains(html, "onerror=alert") && !strings.Contains(html, "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;") {
			t.Errorf("mode %d: attribute injection not escaped", mode)
		}
		if strings.Contains(html, "<img src=x") {
			t.Errorf("mode %d: injected img element", mode)
		}
		if strings.Contains(html, "ZgotmplZ") {
			t.Errorf("mode %d: html/template rejected a value (ZgotmplZ)", mode)
		}
	}
}

var imgSrc = regexp.MustCompile(`<img src="([^"]*)"`)

func TestHTMLModes(t *testing.T) {
	sc := testScorecard()
	var wantFiles, wantCIDs []string
	for _, s := range sc.Sections {
		for i := range s.Charts {
			wantFiles = append(wantFiles, sc.ChartFileName(&s.Charts[i]))
			wantCIDs = append(wantCIDs, "cid:"+sc.ChartContentID(&s.Charts[i]))
		}
	}
	srcs := func(mode HTMLMode) []string {
		html, err := RenderHTML(sc, mode)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<script", "javascript:", "<link", "<iframe", "http://", "https://"} {
			if strings.Contains(strings.ToLower(html), bad) {
				t.Errorf("mode %d output contains %q", mode, bad)
			}
		}
		var out []string
		for _, m := range imgSrc.FindAllStringSubmatch(html, -1) {
			out = append(out, m[1])
		}
		return out
	}
	// html/template percent-encodes the non-ASCII file names.
	var gotFiles []string
	for _, s := range srcs(HTMLFile) {
		u, err := url.PathUnescape(s)
		if err != nil {
			t.Fatal(err)
		}
		gotFiles = append(gotFiles, u)
	}
	if !slices.Equal(gotFiles, wantFiles) {
		t.Errorf("file mode img src = %q, want %q", gotFiles, wantFiles)
	}
	if got := srcs(HTMLEmail); !slices.Equal(got, wantCIDs) {
		t.Errorf("email mode img src = %q, want %q", got, wantCIDs)
	}
}

func TestWriteHTML(t *testing.T) {
	sc := testScorecard()
	dir := t.TempDir()
	files, err := WriteHTML(sc, dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 6 || filepath.Base(files[0]) != "strategy_region-华东.html" {
		t.Fatalf("files = %q", files)
	}
	for _, f := range files {
		st, err := os.Stat(f)
		if err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
		if strings.HasSuffix(f, ".png") {
			raw, _ := os.ReadFile(f)
			decodePNG(t, raw)
		}
	}
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".tmp-*"))
	if len(leftovers) > 0 {
		t.Errorf("temporary files left: %q", leftovers)
	}
}
