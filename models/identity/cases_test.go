package identity

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// crec is one evidence record of the case tests: rec_table "orders" (a
// purchase table in caseConfig) unless table is set; ident/identType fill
// the untyped identifier column. Empty strings are nulls.
type crec struct {
	key, table, ts                  string
	phone, email, card, name, store string
	ident, identType                string
}

var caseSchema = arrow.NewSchema(append(slices.Clone(EvidenceSchema.Fields()),
	utf8Field("identifier", true), utf8Field("identifier_type", true)), nil)

func caseBatch(t testing.TB, recs []crec) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(memory.DefaultAllocator, caseSchema)
	defer b.Release()
	str := func(name, v string) {
		sb := b.Field(caseSchema.FieldIndices(name)[0]).(*array.StringBuilder)
		if v == "" {
			sb.AppendNull()
		} else {
			sb.Append(v)
		}
	}
	for _, r := range recs {
		tb := r.table
		if tb == "" {
			tb = "orders"
		}
		ts, err := time.Parse(time.RFC3339, r.ts)
		if err != nil {
			t.Fatalf("record %s: bad ts %q", r.key, r.ts)
		}
		b.Field(caseSchema.FieldIndices("ts")[0]).(*array.TimestampBuilder).Append(arrow.Timestamp(ts.UnixMicro()))
		for _, f := range []struct{ col, v string }{{"rec_table", tb}, {"rec_key", r.key}, {"source", "src"}, {"channel", ""},
			{IDPhone, r.phone}, {IDEmail, r.email}, {IDMemberCard, r.card}, {IDBuyerID, ""}, {IDOpenID, ""}, {IDUnionID, ""}, {IDDeviceID, ""},
			{"name", r.name}, {"store_id", r.store}, {"region", ""}, {"identifier", r.ident}, {"identifier_type", r.identType}} {
			str(f.col, f.v)
		}
	}
	return b.NewRecordBatch()
}

// clusters returns the record keys grouped by customer (each group and the
// list of groups sorted) and the records without a customer.
func clusters(res *Result) (groups [][]string, anonymous []string) {
	by := map[string][]string{}
	for k, c := range assignments(res) {
		if c == "" {
			anonymous = append(anonymous, k)
		} else {
			by[c] = append(by[c], k)
		}
	}
	for _, g := range by {
		sort.Strings(g)
		groups = append(groups, g)
	}
	sort.Slice(groups, func(i, j int) bool { return groups[i][0] < groups[j][0] })
	sort.Strings(anonymous)
	return groups, anonymous
}

// day returns an RFC 3339 timestamp on day d of 2024 (d from 1), at hour h.
func day(d, h int) string {
	return time.Date(2024, 1, d, h, 0, 0, 0, time.UTC).Format(time.RFC3339)
}

func keys(prefix string, n int) []string {
	var out []string
	for i := 1; i <= n; i++ {
		out = append(out, fmt.Sprintf("%s%02d", prefix, i))
	}
	return out
}

var walkInNames = []string{"王芳", "李娜", "张敏", "刘静", "陈丽", "杨强", "黄磊", "赵军", "吴洋", "周勇",
	"徐艳", "孙杰", "马娟", "朱涛", "胡明", "王超", "李秀英", "张华", "刘平", "陈伟",
	"杨芳", "黄娜", "赵敏", "吴静", "周丽", "徐强", "孙磊", "马军", "朱洋", "胡勇"}

// TestStoreDataCases runs the cases of messy store data, each with its
// clusters worked out by hand: which records are one person and which have
// no usable identifier left.
func TestStoreDataCases(t *testing.T) {
	// Two members who also shop at the store: their own phones and cards.
	members := []crec{
		{key: "a1", ts: day(2, 10), phone: "139 1111 2222", card: "M100", name: "林晓", store: "S1"},
		{key: "a2", ts: day(20, 10), card: "M100", email: "lin.xiao@mail.com", name: "林晓", store: "S1"},
		{key: "b1", ts: day(3, 10), phone: "137 3333 4444", card: "M200", name: "郑洁", store: "S1"},
		{key: "b2", ts: day(21, 10), phone: "137 3333 4444", name: "郑 洁", store: "S2"},
	}
	memberGroups := [][]string{{"a1", "a2"}, {"b1", "b2"}}
	type tc struct {
		name        string
		cfg         Config
		recs        []crec
		groups      [][]string // customers' records
		anonymous   []string   // records without a customer
		blocked     map[string]string
		blockedInfo map[string]string // "type:value" -> detail
	}
	var cases []tc

	// 30 walk-ins at one store, on 30 days, each with their own name and
	// the store's tablet phone (a mobile) as their only identifier.
	{
		recs := slices.Clone(members)
		for i, k := range keys("w", 30) {
			recs = append(recs, crec{key: k, ts: day(i+1, 15), phone: "186 0500 8751", name: walkInNames[i], store: "S1"})
		}
		cases = append(cases, tc{
			name: "walk-ins on the store tablet phone", recs: recs,
			groups: memberGroups, anonymous: keys("w", 30),
			blocked:     map[string]string{"phone:+8618605008751": "many_names"},
			blockedInfo: map[string]string{"phone:+8618605008751": "more than 3 names"},
		})
	}
	// The same tablet phone with names masked or blank, 12 walk-ins on one
	// day: the names rule cannot see them, the velocity rule does.
	{
		recs := slices.Clone(members)
		for i, k := range keys("w", 12) {
			name := []string{"", "张*", "  ", "顾客"}[i%4]
			recs = append(recs, crec{key: k, ts: day(5, 9+i%10), phone: "18605008751", name: name, store: "S1"})
		}
		cases = append(cases, tc{
			name: "anonymous walk-ins on the tablet phone on one day", recs: recs,
			groups: memberGroups, anonymous: keys("w", 12),
			blocked:     map[string]string{"phone:+8618605008751": "velocity"},
			blockedInfo: map[string]string{"phone:+8618605008751": "12 purchases on 2024-01-05"},
		})
	}
	// One phone typed at 7 stores in January, one purchase each.
	{
		recs := slices.Clone(members)
		for i, k := range keys("w", 7) {
			recs = append(recs, crec{key: k, ts: day(i*4+1, 12), phone: "18605008751", store: fmt.Sprintf("S%d", i+1)})
		}
		cases = append(cases, tc{
			name: "one phone at 7 stores in a month", recs: recs,
			groups: memberGroups, anonymous: keys("w", 7),
			blocked:     map[string]string{"phone:+8618605008751": "velocity"},
			blockedInfo: map[string]string{"phone:+8618605008751": "7 stores in 2024-01"},
		})
	}
	// 25 walk-ins on the store's landline, no names: a fixed line does not
	// link, whatever its spelling.
	{
		recs := slices.Clone(members)
		spell := []string{"021-62881234", "021 6288 1234", "(021)62881234", "+86 21 6288 1234", "２１６２８８１２３４"}
		for i, k := range keys("w", 25) {
			recs = append(recs, crec{key: k, ts: day(i+1, 11), phone: spell[i%len(spell)], store: "S1"})
		}
		cases = append(cases, tc{
			name: "walk-ins on the store landline", recs: recs,
			groups: memberGroups, anonymous: keys("w", 25),
			blocked:     map[string]string{"phone:+862162881234": "phone_type"},
			blockedInfo: map[string]string{"phone:+862162881234": "fixed_line"},
		})
	}
	// A household: one member's phone is also typed on her husband's
	// receipts, who has his own card and phone. The siblings rule keeps them
	// apart; the walk-in record with only the shared phone still joins her
	// (two names are within the limit).
	cases = append(cases, tc{
		name: "family phone shared by two members who have their own phones",
		recs: []crec{
			{key: "h1", ts: day(1, 10), card: "M1", phone: "13911112222", name: "林晓"},
			{key: "h2", ts: day(2, 10), card: "M1", phone: "13500001111", name: "林晓"},
			{key: "h3", ts: day(3, 10), card: "M2", phone: "13911112222", name: "陈刚"},
			{key: "h4", ts: day(4, 10), card: "M2", phone: "13622223333", name: "陈刚"},
		},
		groups:  [][]string{{"h1", "h2"}, {"h3", "h4"}},
		blocked: map[string]string{"phone:+8613911112222": "conflict"},
	})
	// Untyped contact column on service tickets: dotted, spaced and
	// full-width phones are phones, like the same values in a phone column.
	cases = append(cases, tc{
		name: "dotted and full-width phones in an untyped column",
		recs: []crec{
			{key: "o1", ts: day(1, 10), phone: "18605008751", card: "M7", name: "林晓"},
			{key: "t1", table: "tickets", ts: day(2, 10), ident: "186.0500.8751"},
			{key: "t2", table: "tickets", ts: day(3, 10), ident: "１８６－０５００－８７５１"},
			{key: "t3", table: "tickets", ts: day(4, 10), ident: "M7"},
			{key: "o2", ts: day(1, 11), phone: "13711112222", card: "M8"},
			{key: "t4", table: "tickets", ts: day(5, 10), ident: "+86 137.1111.2222"},
		},
		groups: [][]string{{"o1", "t1", "t2", "t3"}, {"o2", "t4"}},
	})
	// An email with a sentence's full stop, a full-width @ and an
	// ideographic full stop.
	cases = append(cases, tc{
		name: "trailing-dot and full-width emails",
		recs: []crec{
			{key: "o1", ts: day(1, 10), email: "Lin.Xiao@Example.com", card: "M1"},
			{key: "t1", table: "tickets", ts: day(2, 10), ident: "lin.xiao@example.com. "},
			{key: "t2", table: "tickets", ts: day(3, 10), email: "lin.xiao＠example。com"},
		},
		groups: [][]string{{"o1", "t1", "t2"}},
	})
	// Declared types by synonym: "mobile" and "手机" are phones, "会员卡号"
	// a member card even when it looks like a phone number.
	cases = append(cases, tc{
		name: "mobile and other type synonyms",
		cfg:  Config{TypeAliases: map[string]string{"Mobile": "phone", "手机": "phone", "会员卡号": "member_card"}},
		recs: []crec{
			{key: "o1", ts: day(1, 10), phone: "13911112222", card: "13800001111"},
			{key: "t1", table: "tickets", ts: day(2, 10), ident: "139-1111-2222", identType: "mobile"},
			{key: "t2", table: "tickets", ts: day(3, 10), ident: "13800001111", identType: "会员卡号"},
			{key: "o2", ts: day(1, 11), phone: "13722223333"},
			{key: "t3", table: "tickets", ts: day(4, 10), ident: "137 2222 3333", identType: " 手机 "},
		},
		groups: [][]string{{"o1", "t1", "t2"}, {"o2", "t3"}},
	})
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := c.cfg
			cfg.PurchaseTables = []string{"orders"}
			b := caseBatch(t, c.recs)
			defer b.Release()
			res := stitch(t, []arrow.RecordBatch{b}, nil, cfg, "r1")
			groups, anon := clusters(res)
			if fmt.Sprint(groups) != fmt.Sprint(c.groups) {
				t.Errorf("customers:\n got %v\nwant %v", groups, c.groups)
			}
			if fmt.Sprint(anon) != fmt.Sprint(c.anonymous) {
				t.Errorf("records without a customer:\n got %v\nwant %v", anon, c.anonymous)
			}
			bl := blocked(res)
			if c.blocked == nil {
				c.blocked = map[string]string{}
			}
			if fmt.Sprint(bl) != fmt.Sprint(c.blocked) {
				t.Errorf("blocked: got %v, want %v", bl, c.blocked)
			}
			for id, want := range c.blockedInfo {
				if got := blockedDetail(res)[id]; got != want {
					t.Errorf("detail of %s: got %q, want %q", id, got, want)
				}
			}
			// no customer holds two people: every group is within one
			// person's records (members a*, b*, h1-2, h3-4 ...).
			for _, g := range groups {
				if len(g) > 0 && strings.HasPrefix(g[0], "w") {
					t.Errorf("walk-ins merged: %v", g)
				}
			}
		})
	}
}

// blockedDetail returns "type:value" -> detail.
func blockedDetail(res *Result) map[string]string {
	m := map[string]string{}
	for _, b := range res.Blocked {
		c := b.Column(b.Schema().FieldIndices("detail")[0])
		for i := 0; i < int(b.NumRows()); i++ {
			if c.IsValid(i) {
				m[b.Column(0).ValueStr(i)+":"+b.Column(1).ValueStr(i)] = c.ValueStr(i)
			}
		}
	}
	return m
}

// TestPhoneTypes: which kinds of number link by default, and the counts in
// Stats.
func TestPhoneTypes(t *testing.T) {
	cases := []struct {
		name, phone string
		link        []string
		reason      string // "" = links
		phoneType   string
	}{
		{"mobile", "13812345678", nil, "", "mobile"},
		{"Shanghai landline", "021-6288 1234", nil, "phone_type", "fixed_line"},
		{"400 shared-cost number", "400-820-8820", nil, "phone_type", "shared_cost"},
		{"800 toll-free number", "800-820-8820", nil, "phone_type", "toll_free"},
		{"US number (fixed line or mobile)", "+1 202 555 0123", nil, "", "fixed_line_or_mobile"},
		{"landline allowed by config", "021-6288 1234", []string{"mobile", "fixed_line"}, "", "fixed_line"},
		{"mobile refused by config", "13812345678", []string{"fixed_line"}, "phone_type", "mobile"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := caseBatch(t, []crec{
				{key: "1", ts: day(1, 10), card: "M1", phone: c.phone},
				{key: "2", ts: day(2, 10), card: "M2", phone: c.phone},
			})
			defer b.Release()
			res := stitch(t, []arrow.RecordBatch{b}, nil, Config{LinkPhoneTypes: c.link}, "r")
			groups, _ := clusters(res)
			wantGroups := "[[1 2]]"
			if c.reason != "" {
				wantGroups = "[[1] [2]]"
			}
			if fmt.Sprint(groups) != wantGroups {
				t.Errorf("customers %v, want %s", groups, wantGroups)
			}
			reasons := blocked(res)
			if len(reasons) > 1 || (c.reason == "") != (len(reasons) == 0) {
				t.Errorf("blocked %v, want reason %q", reasons, c.reason)
			}
			for _, r := range reasons {
				if r != c.reason {
					t.Errorf("reason %q, want %q", r, c.reason)
				}
			}
			if n := res.Stats.PhoneTypes[c.phoneType]; n != 1 {
				t.Errorf("Stats.PhoneTypes[%s] = %d, want 1 (%v)", c.phoneType, n, res.Stats.PhoneTypes)
			}
		})
	}
	if _, err := Stitch(nil, nil, Config{LinkPhoneTypes: []string{"cell"}}, "r"); err == nil || !strings.Contains(err.Error(), `"cell"`) {
		t.Errorf("unknown phone type: err = %v", err)
	}
}

// TestPatternsOnRawAndNormalised: a pattern blocks a value when it matches
// the normalised value, a phone's national digits or a raw spelling.
func TestPatternsOnRawAndNormalised(t *testing.T) {
	landline := `^0\d{2,3}-?\d{7,8}$`
	hotline := `^400-?\d{3}-?\d{4}$`
	cases := []struct {
		name, pattern, raw, typ string
		blocked                 bool
	}{
		{"landline typed with a dash (raw)", landline, "021-62881234", IDPhone, true},
		{"landline typed in digits (national)", landline, "02162881234", IDPhone, true},
		{"landline typed in E.164 (national)", landline, "+86 21 6288 1234", IDPhone, true},
		{"landline typed with spaces (national)", landline, "021 6288 1234", IDPhone, true},
		{"mobile is not a landline", landline, "13812345678", IDPhone, false},
		{"hotline with dashes", hotline, "400-820-8820", IDPhone, true},
		{"hotline in digits", hotline, "4008208820", IDPhone, true},
		{"pattern on E.164", `^\+86400`, "400 820 8820", IDPhone, true},
		{"email pattern on the lower-cased value", `^(test|demo|example)@`, "Demo@Shop.com", IDEmail, true},
		{"email pattern on the raw value", `^Demo@`, "Demo@Shop.com", IDEmail, true},
		{"card pattern", `^0+$`, "00000000", IDMemberCard, false}, // all zeros is not an id at all
		{"card pattern on raw spacing", `^VIP 0`, "VIP 0001", IDMemberCard, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r1 := crec{key: "1", ts: day(1, 10), card: "K1"}
			r2 := crec{key: "2", ts: day(2, 10), card: "K2"}
			switch c.typ {
			case IDPhone:
				r1.phone, r2.phone = c.raw, c.raw
			case IDEmail:
				r1.email, r2.email = c.raw, c.raw
			default:
				r1.card, r2.card = c.raw, c.raw
				r1.phone, r2.phone = "13900000001", "13900000002"
			}
			b := caseBatch(t, []crec{r1, r2})
			defer b.Release()
			// all phone types link, so only the pattern can block
			cfg := Config{BlockPatterns: []string{c.pattern}, LinkPhoneTypes: PhoneTypeNames}
			res := stitch(t, []arrow.RecordBatch{b}, nil, cfg, "r")
			got := false
			for _, r := range blocked(res) {
				got = got || r == "pattern"
			}
			if got != c.blocked {
				t.Errorf("blocked by pattern = %v, want %v (%v)", got, c.blocked, blocked(res))
			}
		})
	}
}

func TestClassify(t *testing.T) {
	cfg := Config{TypeAliases: map[string]string{"mobile": "phone", "手机": "phone", "邮箱": "email", "卡号": "member_card"}}
	cases := []struct {
		name, raw, declared, typ, value string
		ok                              bool
	}{
		{"dotted mobile", "186.0500.8751", "", IDPhone, "+8618605008751", true},
		{"full-width mobile", "１８６０５００８７５１", "", IDPhone, "+8618605008751", true},
		{"landline", "(021) 6288-1234", "", IDPhone, "+862162881234", true},
		{"email with trailing dot", "Lin@Example.com.", "", IDEmail, "lin@example.com", true},
		{"full-width @", "lin＠example．com", "", IDEmail, "lin@example.com", true},
		{"card", "VIP-0042", "", IDMemberCard, "VIP-0042", true},
		{"placeholder is invalid as fallback", "null", "", IDMemberCard, "", false},
		{"declared alias", "13812345678", "Mobile", IDPhone, "+8613812345678", true},
		{"declared alias in Chinese", "a@b.cn", "邮箱", IDEmail, "a@b.cn", true},
		{"declared card that looks like a phone", "13812345678", "卡号", IDMemberCard, "13812345678", true},
		{"declared phone that is not one", "VIP-0042", "phone", IDPhone, "", false},
		{"unknown declared type is classified", "13812345678", "contact", IDPhone, "+8613812345678", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			typ, v, ok := Classify(c.raw, c.declared, cfg)
			if typ != c.typ || v != c.value || ok != c.ok {
				t.Errorf("Classify(%q, %q) = %q, %q, %v; want %q, %q, %v", c.raw, c.declared, typ, v, ok, c.typ, c.value, c.ok)
			}
		})
	}
	fb := Config{UntypedFallback: "device_id"}
	if typ, v, ok := Classify("abc-123", "", fb); typ != IDDeviceID || v != "abc-123" || !ok {
		t.Errorf("fallback device_id: %q %q %v", typ, v, ok)
	}
}

func TestNameHash(t *testing.T) {
	same := [][]string{
		{"Zhang Wei", "zhangwei", "ZHANG·WEI", "Ｚｈａｎｇ　Ｗｅｉ"},
		{"张伟", " 张 伟 ", "张伟。"},
	}
	for _, g := range same {
		h0, ok := nameHash(g[0])
		if !ok {
			t.Fatalf("%q not a name", g[0])
		}
		for _, n := range g[1:] {
			if h, ok := nameHash(n); !ok || h != h0 {
				t.Errorf("%q and %q differ", g[0], n)
			}
		}
	}
	if a, _ := nameHash("张伟"); a == func() uint32 { h, _ := nameHash("张薇"); return h }() {
		t.Error("张伟 and 张薇 collide")
	}
	for _, n := range []string{"", "  ", "张*", "j***n", "王??", "未知", "NULL", "顾客", "先生", "-"} {
		if _, ok := nameHash(n); ok {
			t.Errorf("%q counted as a name", n)
		}
	}
}
