package reports

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const chromiumPath = "/usr/bin/chromium"

// layoutProbe waits for the images, then reports image sizes, the page's
// horizontal overflow, and elements that stick out of the scorecard's
// container table without being inside a box of their own that scrolls.
const layoutProbe = `(async () => {
  await Promise.all([...document.images].map(i => i.complete ? null :
    new Promise(r => { i.addEventListener('load', r); i.addEventListener('error', r); })));
  const de = document.documentElement, body = document.body;
  const container = document.querySelector('body > table table');
  const limit = container.getBoundingClientRect().right + 0.5;
  const scrolls = el => { for (let p = el.parentElement; p && p !== container; p = p.parentElement) {
      const ox = getComputedStyle(p).overflowX; if (ox === 'auto' || ox === 'scroll' || ox === 'hidden') return p; }
    return null; };
  const offenders = [], scrollBoxes = [];
  for (const el of container.querySelectorAll('*')) {
    const box = scrolls(el);
    if (box) { continue; }
    if (el.getBoundingClientRect().right > limit) {
      offenders.push(el.tagName + ' "' + (el.textContent || '').trim().slice(0, 40) + '" right=' + el.getBoundingClientRect().right + ' limit=' + limit);
    }
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth) scrollBoxes.push(el.scrollWidth + '>' + el.clientWidth);
  }
  return {
    images: [...document.images].map(i => ({src: i.getAttribute('src'), naturalWidth: i.naturalWidth})),
    bodyScrollWidth: body.scrollWidth, bodyClientWidth: body.clientWidth,
    docScrollWidth: de.scrollWidth, docClientWidth: de.clientWidth,
    containerWidth: container.getBoundingClientRect().width,
    offenders, scrollBoxes,
  };
})()`

type layoutReport struct {
	Images []struct {
		Src          string `json:"src"`
		NaturalWidth int    `json:"naturalWidth"`
	} `json:"images"`
	BodyScrollWidth int      `json:"bodyScrollWidth"`
	BodyClientWidth int      `json:"bodyClientWidth"`
	DocScrollWidth  int      `json:"docScrollWidth"`
	DocClientWidth  int      `json:"docClientWidth"`
	ContainerWidth  float64  `json:"containerWidth"`
	Offenders       []string `json:"offenders"`
	ScrollBoxes     []string `json:"scrollBoxes"`
}

// TestHTMLInBrowser opens a written scorecard in headless Chromium at phone
// and desktop widths: every chart image loads and nothing overflows the
// page horizontally (wide tables scroll inside their own box).
func TestHTMLInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("%s not found (apt-get install -y chromium): skipping the browser layout test", chromiumPath)
	}
	if testing.Short() {
		t.Skip("-short: skipping the browser layout test")
	}
	sc := testScorecard()
	// A long unbroken value and many columns stress the layout.
	sc.Sections[0].Tables[1].Rows[1][0] = strings.Repeat("很长的客户名称", 12)
	sc.Sections[0].Note = strings.Repeat("averyveryverylongwordwithoutspaces", 4)
	dir := t.TempDir()
	files, err := WriteHTML(sc, dir)
	if err != nil {
		t.Fatal(err)
	}
	outDir := os.Getenv("REPORTS_TEST_OUT")
	if outDir == "" {
		outDir = t.TempDir()
	} else if err := os.MkdirAll(outDir, 0o755); err != nil {
		t.Fatal(err)
	}
	pageURL := (&url.URL{Scheme: "file", Path: files[0]}).String()

	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(ctx); err != nil { // start the browser
		t.Fatalf("start chromium: %v", err)
	}
	t.Logf("chromium started in %v", time.Since(start).Round(time.Millisecond))

	for _, width := range []int64{390, 1280} {
		t.Run(fmt.Sprintf("width%d", width), func(t *testing.T) {
			tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
			defer tcancel()
			if err := chromedp.Do(tctx,
				chromedp.EmulateViewport(width, 900),
				chromedp.Navigate(pageURL),
				chromedp.WaitReady("body"),
			); err != nil {
				t.Fatal(err)
			}
			rep, err := chromedp.Run(tctx, chromedp.Evaluate[layoutReport](layoutProbe, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Images) != 5 {
				t.Errorf("%d images, want 5", len(rep.Images))
			}
			for _, img := range rep.Images {
				if img.NaturalWidth <= 0 {
					t.Errorf("image %s did not load (naturalWidth %d)", img.Src, img.NaturalWidth)
				}
			}
			if rep.BodyScrollWidth > rep.BodyClientWidth || rep.DocScrollWidth > rep.DocClientWidth {
				t.Errorf("page overflows horizontally: body %d > %d or document %d > %d",
					rep.BodyScrollWidth, rep.BodyClientWidth, rep.DocScrollWidth, rep.DocClientWidth)
			}
			for _, o := range rep.Offenders {
				t.Errorf("element sticks out of the container: %s", o)
			}
			shot, err := chromedp.Run(tctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(outDir, fmt.Sprintf("scorecard_%d.png", width))
			if err := os.WriteFile(p, shot, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("width %d: container %.0f px, body %d/%d, %d table box(es) scrolling inside (%v); screenshot %s",
				width, rep.ContainerWidth, rep.BodyScrollWidth, rep.BodyClientWidth, len(rep.ScrollBoxes), rep.ScrollBoxes, p)
		})
	}
}
