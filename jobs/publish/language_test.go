package publish

import (
	"context"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/xuri/excelize/v2"

	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// verbs are the fmt verbs of the catalogue texts.
var verbs = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[sdvfgq%]`)

// englishFragments are the literal parts of every English catalogue text
// that hold two words or more: what a Chinese delivery must not show.
func englishFragments(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, en := range reports.CatalogueEN() {
		for _, f := range verbs.Split(en, -1) {
			if f = strings.TrimSpace(f); len(strings.Fields(f)) >= 2 {
				out = append(out, f)
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("only %d English fragments in the catalogue", len(out))
	}
	return out
}

// unknownKey is how Msg.In shows a key the catalogue lacks.
var unknownKey = regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`)

// Every figure's words are in the catalogue.
func TestFiguresInCatalogue(t *testing.T) {
	for _, f := range figures {
		for _, part := range []string{"formula", "grain", "filters"} {
			if k := f.text(part).Key; !reports.MsgKnown(k) {
				t.Errorf("%s: no %s in the catalogue", f.key, k)
			}
		}
		if !reports.MsgKnown(f.key) || !reports.MsgKnown(unitName(f.unit).Key) {
			t.Errorf("%s: no label or unit name in the catalogue", f.key)
		}
	}
}

var tags = regexp.MustCompile(`(?s)<[^>]*>`)

// visible is the text of an HTML page as a reader sees it.
func visible(page string) string { return html.UnescapeString(tags.ReplaceAllString(page, "\n")) }

// workbookText is every cell of every sheet, one per line.
func workbookText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			for _, c := range r {
				b.WriteString(c + "\n")
			}
		}
	}
	return b.String()
}

// A Chinese delivery (the default) shows no English sentence of the
// message catalogue in its HTML and XLSX: notes under the headings, the
// Definitions, the KPI sheet headers, the reasons a figure has no
// comparison, what a filtered copy leaves out. An English delivery of the
// same scorecard is English: the same sentences in English and no Chinese
// but the data's.
func TestDeliveryLanguage(t *testing.T) {
	wh, cfg := yoyWarehouse(t)
	for _, q := range []string{
		`CREATE TABLE load_files (load_id VARCHAR, source VARCHAR, file VARCHAR, status VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, loaded_at TIMESTAMPTZ, error VARCHAR)`,
		`INSERT INTO load_files VALUES ('L', 'tmall_orders', 'a.csv', 'loaded', 16, 14, 2, TIMESTAMPTZ '2026-01-01 02:00:00+08', NULL),
			('R', 'tmall_orders', 'b.csv', 'rejected', 0, 0, 0, TIMESTAMPTZ '2026-01-01 02:00:00+08', 'b.csv: header: no column order_id')`,
		`CREATE TABLE quarantine (source VARCHAR, reason VARCHAR, "column" VARCHAR)`,
		`INSERT INTO quarantine VALUES ('tmall_orders', 'not a number', 'qty'), ('tmall_orders', 'not a number', 'qty')`,
		`CREATE TABLE service_tickets (ticket_id VARCHAR, category VARCHAR, opened_ts TIMESTAMPTZ, closed_ts TIMESTAMPTZ, csat DOUBLE)`,
		`INSERT INTO service_tickets VALUES ('t1', '投诉', TIMESTAMPTZ '2025-12-02 10:00:00+08', TIMESTAMPTZ '2025-12-03 10:00:00+08', 4),
			('t2', 'delivery', TIMESTAMPTZ '2025-11-02 10:00:00+08', NULL, NULL)`,
	} {
		if err := wh.Exec(context.Background(), q); err != nil {
			t.Fatal(err)
		}
	}
	english := englishFragments(t)
	han := func(s string) []string {
		var out []string
		for _, line := range strings.Split(s, "\n") {
			if strings.IndexFunc(line, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0 {
				out = append(out, line)
			}
		}
		return out
	}
	for _, c := range []struct {
		layer  reports.Layer
		region string
		asOf   time.Time
	}{
		{reports.LayerStrategy, "", time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)},
		{reports.LayerOperations, "", time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)},
		{reports.LayerSupport, "", time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)},
		{reports.LayerStrategy, "east", time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)},
		{reports.LayerOperations, "south", time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)},
		{reports.LayerSupport, "east", time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)},
		// A year before the first December: no comparison, with the reason.
		{reports.LayerStrategy, "", time.Date(2024, 12, 31, 0, 0, 0, 0, cfg.Location)},
	} {
		name := string(c.layer) + "/" + c.region + "/" + c.asOf.Format("2006-01")
		t.Run(name, func(t *testing.T) {
			// The warehouse lacks the raw tables of the data health
			// section; the problems it reports are not what this test reads.
			cur, prev := Periods(c.asOf)
			if err := warehouse.CreateTableAs(context.Background(), wh, "publish_order_facts", mustFactsSQL(t, warehouse.SQLOfQuerier(wh), cfg.Regions, prev.From, cur.To)); err != nil {
				t.Fatal(err)
			}
			sc, _ := Build(context.Background(), wh, cfg, c.layer, c.asOf, c.region, c.asOf)
			out := map[string]string{}
			for _, lang := range []string{reports.LangZH, reports.LangEN} {
				card := *sc
				card.Language = lang
				page, err := reports.RenderHTML(&card, reports.HTMLFile)
				if err != nil {
					t.Fatal(err)
				}
				x := filepath.Join(t.TempDir(), lang+".xlsx")
				if err := reports.WriteXLSX(&card, x); err != nil {
					t.Fatal(err)
				}
				out[lang+" html"], out[lang+" xlsx"] = visible(page), workbookText(t, x)
			}
			for part, text := range out {
				if m := unknownKey.FindString(text); m != "" {
					t.Errorf("%s shows a message key missing from the catalogue: %s", part, m)
				}
			}
			for _, part := range []string{"zh html", "zh xlsx"} {
				for _, f := range english {
					if strings.Contains(out[part], f) {
						t.Errorf("%s holds English %q", part, f)
					}
				}
			}
			for _, part := range []string{"en html", "en xlsx"} {
				for _, line := range han(out[part]) {
					// The one Chinese word: the complaint category as the
					// ticket exports write it, in the data and a definition.
					if !strings.Contains(line, "投诉") {
						t.Errorf("%s holds Chinese %q", part, line)
					}
				}
			}
			// The same sentences, per language.
			for _, w := range []struct{ zh, en string }{
				{"净销售额", "Net sales"},
				{"口径说明", "Definitions"},
			} {
				if c.layer == reports.LayerSupport {
					break
				}
				if !strings.Contains(out["zh html"], w.zh) || !strings.Contains(out["en html"], w.en) {
					t.Errorf("html lacks %q (zh) or %q (en)", w.zh, w.en)
				}
			}
			if c.layer != reports.LayerSupport || c.region == "" {
				period := reports.M("note.period", sc.Period, sc.PrevPeriod)
				if c.region != "" && c.layer == reports.LayerSupport {
					period = reports.M("leftout", reports.M("filter.region", c.region), reports.M("why.tickets"))
				}
				for _, lang := range []string{reports.LangZH, reports.LangEN} {
					if want := period.In(lang); !strings.Contains(out[lang+" html"], want) || !strings.Contains(out[lang+" xlsx"], want) {
						t.Errorf("%s html or xlsx lacks the note %q", lang, want)
					}
				}
			}
		})
	}
}

// A support scorecard whose service_tickets table holds tickets, but none
// in the report period or the one before, builds: the service section is
// there, its table has no rows and no chart has a bar.
func TestSupportWithNoTickets(t *testing.T) {
	wh, cfg := yoyWarehouse(t)
	ctx := context.Background()
	for _, q := range []string{
		`CREATE TABLE service_tickets (ticket_id VARCHAR, category VARCHAR, opened_ts TIMESTAMPTZ, closed_ts TIMESTAMPTZ, csat DOUBLE)`,
		`INSERT INTO service_tickets VALUES ('t0', 'delivery', TIMESTAMPTZ '2024-06-02 10:00:00+08', NULL, NULL)`,
	} {
		if err := wh.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	asOf := time.Date(2025, 12, 31, 0, 0, 0, 0, cfg.Location)
	cur, prev := Periods(asOf)
	if err := warehouse.CreateTableAs(ctx, wh, "publish_order_facts", mustFactsSQL(t, warehouse.SQLOfQuerier(wh), cfg.Regions, prev.From, cur.To)); err != nil {
		t.Fatal(err)
	}
	sc, _ := Build(ctx, wh, cfg, reports.LayerSupport, asOf, "", asOf)
	var svc *reports.Section
	for i := range sc.Sections {
		if sc.Sections[i].Name == "Service quality" {
			svc = &sc.Sections[i]
		}
	}
	if svc == nil {
		t.Fatal("support scorecard has no Service quality section")
	}
	for _, tb := range svc.Tables {
		if len(tb.Rows) != 0 {
			t.Errorf("%s: %d rows, want 0", tb.Title, len(tb.Rows))
		}
	}
	for _, ch := range svc.Charts {
		if len(ch.Labels) != 0 {
			t.Errorf("chart %s: %d bars, want 0", ch.ID, len(ch.Labels))
		}
	}
}
