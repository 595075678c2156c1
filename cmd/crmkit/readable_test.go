package main

import (
	"context"
	"fmt"
	"mime"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	gomail "github.com/wneessen/go-mail"
)

// gmailClip is where Gmail clips a message body (102 KB); every HTML part
// stays under 100 KB so nothing is hidden behind "View entire message".
const gmailClip = 100 * 1024

// checkDemoMessages reads every message the chain wrote as .eml: its
// subject names the report period, its sender is reports.from, and its
// HTML part is under 100 KB.
func checkDemoMessages(t *testing.T, out, period string) {
	t.Helper()
	emls, _ := filepath.Glob(filepath.Join(out, "mail", "*.eml"))
	if len(emls) == 0 {
		t.Fatal("no .eml messages written")
	}
	dec := new(mime.WordDecoder)
	for _, p := range emls {
		t.Run("mail/"+filepath.Base(p), func(t *testing.T) {
			f, err := os.Open(p)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			msg, err := gomail.EMLToMsgFromReader(f)
			if err != nil {
				t.Fatalf("parse %s: %v", p, err)
			}
			raw, _ := os.ReadFile(p)
			m, err := mail.ReadMessage(strings.NewReader(string(raw)))
			if err != nil {
				t.Fatal(err)
			}
			subject, err := dec.DecodeHeader(m.Header.Get("Subject"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(subject, period) {
				t.Errorf("subject %q does not name the period %s", subject, period)
			}
			from, err := dec.DecodeHeader(m.Header.Get("From"))
			if err != nil || !strings.Contains(from, "crm@example.com") {
				t.Errorf("From %q, %v: want reports.from of the example config", from, err)
			}
			var htmlSize int
			for _, part := range msg.GetParts() {
				if part.GetContentType() != gomail.TypeTextHTML {
					continue
				}
				body, err := part.GetContent()
				if err != nil {
					t.Fatal(err)
				}
				htmlSize = len(body)
			}
			if htmlSize == 0 {
				t.Fatal("no HTML part")
			}
			if htmlSize >= gmailClip {
				t.Errorf("HTML part is %d bytes, want under %d (Gmail clips at 102 KB)", htmlSize, gmailClip)
			}
			t.Logf("%s: subject %q, HTML %d bytes", filepath.Base(p), subject, htmlSize)
		})
	}
}

// overflowProbe reports the page's scroll width against its viewport.
const overflowProbe = `(() => {
  const de = document.documentElement, body = document.body;
  return [de.scrollWidth, de.clientWidth, body.scrollWidth, body.clientWidth];
})()`

// checkPagesInBrowser opens every scorecard page in out/ and the HTML part
// of every message (the filtered copies travel only by mail) in headless
// Chromium at 1280 and 390 px: the page never scrolls sideways (wide tables
// scroll inside their own box).
func checkPagesInBrowser(t *testing.T, out string) {
	t.Helper()
	const chromium = "/usr/bin/chromium"
	if _, err := os.Stat(chromium); err != nil {
		t.Logf("%s not found: browser layout of the demo pages not checked", chromium)
		return
	}
	pages, _ := filepath.Glob(filepath.Join(out, "*.html"))
	emls, _ := filepath.Glob(filepath.Join(out, "mail", "*.eml"))
	dir := t.TempDir()
	for _, p := range emls {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := gomail.EMLToMsgFromReader(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range msg.GetParts() {
			if part.GetContentType() == gomail.TypeTextHTML {
				body, err := part.GetContent()
				if err != nil {
					t.Fatal(err)
				}
				h := filepath.Join(dir, strings.TrimSuffix(filepath.Base(p), ".eml")+".html")
				if err := os.WriteFile(h, body, 0o644); err != nil {
					t.Fatal(err)
				}
				pages = append(pages, h)
			}
		}
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Flag("headless", true), chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true), chromedp.Flag("hide-scrollbars", true), chromedp.UserDataDir(t.TempDir()))
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	for _, p := range pages {
		for _, width := range []int64{1280, 390} {
			t.Run(fmt.Sprintf("%s/%d", filepath.Base(p), width), func(t *testing.T) {
				tctx, tcancel := context.WithTimeout(ctx, 60*time.Second)
				defer tcancel()
				if err := chromedp.Do(tctx, chromedp.EmulateViewport(width, 900),
					chromedp.Navigate((&url.URL{Scheme: "file", Path: p}).String()),
					chromedp.WaitReady("body")); err != nil {
					t.Fatal(err)
				}
				dims, err := chromedp.Run(tctx, chromedp.Evaluate[[]int](overflowProbe))
				if err != nil {
					t.Fatal(err)
				}
				if dims[0] > dims[1] || dims[2] > dims[3] {
					t.Errorf("page overflows sideways at %d px: document %d > %d or body %d > %d", width, dims[0], dims[1], dims[2], dims[3])
				}
			})
		}
	}
}
