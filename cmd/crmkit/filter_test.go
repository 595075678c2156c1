package main

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/internal/mailpittest"
)

// emlPart is one leaf of a message.
type emlPart struct {
	contentType string
	body        []byte
}

// emlParts parses a message into its leaf parts, decoding base64 and
// quoted-printable bodies.
func emlParts(t *testing.T, raw []byte) []emlPart {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var parts []emlPart
	var walk func(h textproto.MIMEHeader, body io.Reader)
	walk = func(h textproto.MIMEHeader, body io.Reader) {
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(p.Header, p)
			}
		}
		var r io.Reader = body
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("part body: %v", err)
		}
		parts = append(parts, emlPart{contentType: ct, body: b})
	}
	walk(textproto.MIMEHeader(m.Header), m.Body)
	return parts
}

var htmlCell = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)

// copyCells is every cell of a filtered copy: the XLSX cells and the HTML
// table cells (unescaped; the text part shows the same tables); texts is
// the whole text of each part and workbook.
func copyCells(t *testing.T, parts []emlPart, xlsx [][]byte) (cells, texts []string) {
	t.Helper()
	for _, p := range parts {
		switch p.contentType {
		case "text/plain":
			texts = append(texts, string(p.body))
		case "text/html":
			texts = append(texts, html.UnescapeString(string(p.body)))
			for _, m := range htmlCell.FindAllStringSubmatch(string(p.body), -1) {
				cells = append(cells, strings.TrimSpace(html.UnescapeString(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], ""))))
			}
		}
	}
	for _, b := range xlsx {
		f, err := excelize.OpenReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		var all strings.Builder
		for _, sh := range f.GetSheetList() {
			rows, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rows {
				for _, c := range r {
					cells = append(cells, strings.TrimSpace(c))
					all.WriteString(c + "\n")
				}
			}
		}
		f.Close()
		texts = append(texts, all.String())
	}
	return cells, texts
}

// leaks lists the values of other regions found in a copy: region and
// store names anywhere in its text, "unknown" and store ids as whole
// cells.
func leaks(cells, texts []string, names, whole []string) []string {
	var out []string
	for _, n := range names {
		for _, tx := range texts {
			if strings.Contains(tx, n) {
				out = append(out, n)
				break
			}
		}
	}
	set := map[string]bool{}
	for _, w := range whole {
		set[w] = true
	}
	seen := map[string]bool{}
	for _, c := range cells {
		if set[c] && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// TestFilteredCopiesHoldOnlyTheirRegion sends region copies of all three
// scorecards (region 华东) and checks every cell of each copy, the HTML
// and text parts of its message and its XLSX (attached and on disk): no
// other region's name, no store of another region, no "unknown" region
// cell. The unfiltered operations scorecard, checked the same way, does
// hold other regions, so the check can fail.
func TestFilteredCopiesHoldOnlyTheirRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("filtered copies: skipped with -short")
	}
	d := newDemo(t, 1500)
	raw, err := os.ReadFile(d.config)
	if err != nil {
		t.Fatal(err)
	}
	cfg := strings.Replace(string(raw), "      - email: ceo@example.com\n", "      - email: ceo@example.com\n      - email: east.ceo@example.com\n        filter: {region: 华东}\n", 1)
	cfg = strings.Replace(cfg, "      - email: ops@example.com\n", "      - email: ops@example.com\n      - email: east.ops@example.com\n        filter: {region: 华东}\n", 1)
	if err := os.WriteFile(d.config, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	d.run(t, "run")
	db := d.db(t)
	var names, ids []string
	rows, err := db.Query(`SELECT DISTINCT region FROM stores WHERE region <> '华东' UNION SELECT DISTINCT region FROM publish_order_facts WHERE region NOT IN ('华东', 'unknown')`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var r string
		rows.Scan(&r)
		names = append(names, r)
	}
	rows.Close()
	names = append(names, "华中", "西北", "东北") // configured regions without stores
	rows, err = db.Query(`SELECT store_id, store_name FROM stores WHERE region <> '华东'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id, name string
		rows.Scan(&id, &name)
		ids, names = append(ids, id), append(names, name)
	}
	rows.Close()
	d.closeDB()
	if len(ids) < 10 {
		t.Fatalf("only %d stores of other regions", len(ids))
	}
	whole := append([]string{"unknown"}, ids...)

	emls, _ := filepath.Glob(filepath.Join(d.out, "mail", "*.eml"))
	copies := 0
	for _, e := range emls {
		base := filepath.Base(e)
		raw, err := os.ReadFile(e)
		if err != nil {
			t.Fatal(err)
		}
		parts := emlParts(t, raw)
		var xlsx [][]byte
		for _, p := range parts {
			if strings.Contains(p.contentType, "spreadsheetml") {
				xlsx = append(xlsx, p.body)
			}
		}
		cells, texts := copyCells(t, parts, xlsx)
		found := leaks(cells, texts, names, whole)
		switch {
		case strings.Contains(base, "region-华东"):
			copies++
			if len(xlsx) == 0 {
				t.Errorf("%s: no XLSX attached", base)
			}
			if len(found) > 0 {
				t.Errorf("%s holds other regions' values: %v", base, found)
			}
			if !strings.Contains(texts[0], "华东") {
				t.Errorf("%s does not name its region", base)
			}
		}
	}
	if copies != 3 {
		t.Fatalf("%d region copies among %v, want strategy, operations and support", copies, emls)
	}
	files, _ := filepath.Glob(filepath.Join(d.out, "filtered", "*华东*.xlsx"))
	if len(files) != 3 {
		t.Fatalf("filtered workbooks %v, want 3", files)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		cells, texts := copyCells(t, nil, [][]byte{b})
		if found := leaks(cells, texts, names, whole); len(found) > 0 {
			t.Errorf("%s holds other regions' values: %v", filepath.Base(f), found)
		}
	}
	// The unfiltered operations workbook and page hold them (the check
	// can fail).
	b, err := os.ReadFile(filepath.Join(d.out, "operations.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(d.out, "operations.html"))
	if err != nil {
		t.Fatal(err)
	}
	if cells, texts := copyCells(t, []emlPart{{"text/html", page}}, [][]byte{b}); len(leaks(cells, texts, names, whole)) < len(names)/2 {
		t.Errorf("operations.xlsx and .html hold only %v of other regions: the check cannot fail", leaks(cells, texts, names, whole))
	}

	// A typo in a filter key is refused when the config loads, naming
	// file:line, and nothing is sent.
	bad := strings.Replace(cfg, "filter: {region: 华南}", "filter: {regoin: 华南}", 1)
	line := 1 + strings.Count(bad[:strings.Index(bad, "regoin")], "\n")
	if err := os.WriteFile(d.config, []byte(bad), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(filepath.Join(d.out, "mail")); err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"run", "--config", d.config, "--log-format", "json", "-q"}, &out, &errOut); code == 0 {
		t.Fatalf("a config with filter key regoin ran:\n%s", out.String())
	}
	want := fmt.Sprintf("crmkit.yaml:%d: deliveries[1].recipients[1].filter.regoin: unknown filter key \"regoin\"", line)
	if !strings.Contains(errOut.String(), want) {
		t.Errorf("error output lacks %q:\n%s", want, errOut.String())
	}
	if emls, _ := filepath.Glob(filepath.Join(d.out, "mail", "*.eml")); len(emls) != 0 {
		t.Errorf("messages written with a refused config: %v", emls)
	}
}

// TestMissingDataStillDelivers runs the chain against a real SMTP server
// (mailpit) with the tickets source removed, and with a recipient whose
// filter matches nothing: publish succeeds and every recipient gets their
// message, the sections without data saying so.
func TestMissingDataStillDelivers(t *testing.T) {
	if testing.Short() {
		t.Skip("mail: skipped with -short")
	}
	cases := []struct {
		name       string
		edit       func(cfg string) string
		recipients []string
		// noData is the recipient whose message says a section has no data,
		// in the delivery's language (support: en, operations: zh).
		noData, noDataText string
	}{
		{"tickets source removed", func(cfg string) string {
			i := strings.Index(cfg, "  - name: service_tickets\n")
			j := i + strings.Index(cfg[i:], "\n\n")
			return cfg[:i] + cfg[j+2:]
		}, []string{"ceo@example.com", "east.manager@example.com", "south.manager@example.com", "ops@example.com"}, "ops@example.com", "No data for 2025-12."},
		{"filter matching nothing", func(cfg string) string {
			return strings.Replace(cfg, "        filter: {region: 华南}\n", "        filter: {region: 华南}\n      - email: northeast.manager@example.com\n        filter: {region: 东北}\n", 1)
		}, []string{"ceo@example.com", "east.manager@example.com", "south.manager@example.com", "northeast.manager@example.com", "ops@example.com"}, "northeast.manager@example.com", "2025-12 无数据。"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mp := mailpittest.Start(t)
			d := newDemo(t, 300)
			raw, err := os.ReadFile(d.config)
			if err != nil {
				t.Fatal(err)
			}
			cfg := c.edit(string(raw)) + fmt.Sprintf("\nsmtp:\n  host: 127.0.0.1\n  port: %d\n  tls: none\n  from: crmkit@example.com\n", mp.SMTPPort)
			if err := os.WriteFile(d.config, []byte(cfg), 0o644); err != nil {
				t.Fatal(err)
			}
			out := d.run(t, "run")
			if !strings.Contains(out, "0 failed") {
				t.Fatalf("chain output:\n%s", out)
			}
			got := map[string]string{}
			for _, m := range mp.Messages(t) {
				for _, to := range m.To {
					if _, dup := got[to.Address]; dup {
						t.Errorf("%s received twice", to.Address)
					}
					got[to.Address] = m.ID
				}
			}
			if len(got) != len(c.recipients) {
				t.Errorf("received by %v, want %v", got, c.recipients)
			}
			for _, r := range c.recipients {
				if got[r] == "" {
					t.Errorf("%s received nothing", r)
				}
			}
			if id := got[c.noData]; id != "" {
				if text := mp.Text(t, id); !strings.Contains(text, c.noDataText) {
					t.Errorf("%s's message does not say %q:\n%s", c.noData, c.noDataText, text)
				}
			}
		})
	}
}
