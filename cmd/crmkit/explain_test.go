package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateGolden = flag.Bool("update", false, "rewrite the golden files of the explain test")

const explainConfig = `warehouse:
  kind: duckdb
  path: out/warehouse.duckdb
output_dir: out
timezone: UTC
sources:
  - name: pos_receipts
    table: order_lines
    channel: pos
    path: data/pos/*.csv
    format: csv
    timestamp_layout: "2006-01-02 15:04:05"
    columns:
      order_id: receipt
      store_id: store
      member_card: card
      phone: phone
      name: name
      order_ts: time
      sku: sku
      qty: qty
      unit_price: price
      paid_amount: paid
  - name: service_desk
    table: service_tickets
    path: data/service/*.csv
    format: csv
    timestamp_layout: "2006-01-02 15:04:05"
    columns:
      ticket_id: ticket
      identifier_type: contact_type
      identifier: contact
      opened_ts: opened
  - name: wechat_fans
    table: social_accounts
    path: data/social/*.csv
    format: csv
    timestamp_layout: "2006-01-02 15:04:05"
    columns:
      platform: platform
      openid: openid
      phone: phone
      nickname: nickname
      followed_ts: subscribed
identity:
  type_aliases: {mobile: phone, 手机: phone}
`

// TestExplainGolden builds one customer from three sources (POS receipts,
// service tickets, WeChat fans) over two runs, the second of which merges
// two customers of the first; one receipt carries the store's landline,
// which is refused. The text and JSON output of crmkit explain are
// compared with testdata/explain_*.golden (go test -run TestExplainGolden
// -update rewrites them).
func TestExplainGolden(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "crmkit.yaml")
	write("crmkit.yaml", explainConfig)
	// Run 1: Lin Xiao's member receipt (card only) and her WeChat account
	// (phone only) are two customers; Zheng Jie is a third.
	write("data/pos/receipts_1.csv", `receipt,store,card,phone,name,time,sku,qty,price,paid
R001,S1,M100,,林晓,2024-01-02 10:00:00,SKU1,1,99,99
R003,S1,M200,13733334444,郑洁,2024-01-03 11:00:00,SKU2,2,10,20
R003,S1,M200,13733334444,郑洁,2024-01-03 11:00:00,SKU3,1,5,5
`)
	write("data/social/fans_1.csv", `platform,openid,phone,nickname,subscribed
wechat,oLX001,+86 139 1111 2222,晓晓,2024-01-04 09:00:00
`)
	crm := func(args ...string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if code := run(append(args, "--config", cfgPath, "-q"), &out, &errOut); code != 0 {
			t.Fatalf("crmkit %v exited %d:\n%s\n%s", args, code, out.String(), errOut.String())
		}
		return out.String()
	}
	crm("run", "stitch", "--with-deps")
	// Run 2: a receipt with her card and her phone joins the two; another
	// receipt has the store's landline typed in; a ticket gives her phone
	// dotted, with the type written "mobile".
	write("data/pos/receipts_2.csv", `receipt,store,card,phone,name,time,sku,qty,price,paid
R002,S1,M100,139 1111 2222,林晓,2024-01-05 12:00:00,SKU1,1,99,99
R004,S1,M100,021-62881234,林晓,2024-01-06 12:30:00,SKU2,1,10,10
`)
	write("data/service/tickets_1.csv", `ticket,contact_type,contact,opened
T1,mobile,139.1111.2222,2024-01-10 08:00:00
T2,,ZHENG.JIE@example.com.,2024-01-11 08:00:00
`)
	crm("run", "stitch", "--with-deps")

	runID := regexp.MustCompile(`run [^ :]+:`)
	runIDJSON := regexp.MustCompile(`"run_id": "[^"]*"`)
	check := func(name, got string) {
		t.Helper()
		got = runID.ReplaceAllString(got, "run RUN:")
		got = runIDJSON.ReplaceAllString(got, `"run_id": "RUN"`)
		path := filepath.Join("testdata", name)
		if *updateGolden {
			if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if got != string(want) {
			t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got, want)
		}
	}
	text := crm("explain", "customer", "C00000001")
	check("explain_customer.golden", text)
	check("explain_customer_json.golden", crm("explain", "--json", "customer", "C00000001"))
	// The same customer found from its ticket (FILE:ROW), its order id and
	// its rec_key: the record line names it, the rest is the same.
	for _, args := range [][]string{{"service_desk", "tickets_1.csv:2"}, {"pos_receipts", "R004"}, {"pos_receipts", "pos:R004"}} {
		got := crm(append([]string{"explain", "record"}, args...)...)
		first, rest, _ := strings.Cut(got, "\n")
		_, wantRest, _ := strings.Cut(text, "\n")
		if !strings.Contains(first, "belongs to customer C00000001: 5 records from 3 sources") || rest != wantRest {
			t.Errorf("explain record %v:\n%s", args, got)
		}
	}
	var out, errOut bytes.Buffer
	if code := run([]string{"explain", "--config", cfgPath, "customer", "C09999999"}, &out, &errOut); code == 0 || !strings.Contains(errOut.String(), "C09999999") {
		t.Errorf("unknown customer: exit %d, %s", code, errOut.String())
	}
}
