package reports

import (
	"regexp"
	"strings"
	"testing"
	"unicode"
)

var msgVerbs = regexp.MustCompile(`%(\[\d+\])?[-+# 0]*\d*(\.\d+)?[sdvfgq]`)

// Every catalogue text has a Chinese form in Chinese (unless it has no
// words, as "—（%s）") and an English form
// without Chinese (but the complaint category the exports write), and both
// forms take the same arguments.
func TestMessageCatalogue(t *testing.T) {
	han := func(s string) bool {
		return strings.IndexFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	}
	for key, l := range messages {
		if l.zh == "" || l.en == "" {
			t.Errorf("%s: empty form %+v", key, l)
			continue
		}
		if !han(l.zh) && l.zh != l.en && strings.ContainsFunc(msgVerbs.ReplaceAllString(l.zh, ""), unicode.IsLetter) {
			t.Errorf("%s: Chinese form %q has no Chinese", key, l.zh)
		}
		if han(strings.ReplaceAll(l.en, "投诉", "")) {
			t.Errorf("%s: English form %q has Chinese", key, l.en)
		}
		zv, ev := msgVerbs.FindAllString(l.zh, -1), msgVerbs.FindAllString(l.en, -1)
		if len(zv) != len(ev) {
			t.Errorf("%s: verbs %q (zh) and %q (en)", key, zv, ev)
		}
	}
}

func TestMsgIn(t *testing.T) {
	cases := []struct {
		name string
		m    Msg
		zh   string
		en   string
	}{
		{"args", M("note.period", "2025-12", "2025-11"), "报告期 2025-12，对比 2025-11。", "Report period 2025-12, compared with 2025-11."},
		{"nested messages", M("leftout", M("filter.region", "华东"), M("why.tickets")), "本副本未包含此部分（大区 华东）：服务工单不带大区。", "Left out of this copy (region 华东): service tickets carry no region."},
		{"indexed args", M("yoy.partial", "2024-12", "2024-12-10"), "数据自 2024-12-10 起，不含完整的 2024-12", "history starts 2024-12-10, after the start of 2024-12"},
		{"a label", M("net_sales"), "净销售额", "Net sales"},
		{"unknown key shown", M("note.nope"), "[note.nope]", "[note.nope]"},
		{"none", Msg{}, "", ""},
	}
	for _, c := range cases {
		if got := c.m.In(LangZH); got != c.zh {
			t.Errorf("%s: zh %q, want %q", c.name, got, c.zh)
		}
		if got := c.m.In(LangEN); got != c.en {
			t.Errorf("%s: en %q, want %q", c.name, got, c.en)
		}
	}
	if got := Join(LangZH, []Msg{M("note.period", "2025-12", "2025-11"), M("note.netsales")}); got != "报告期 2025-12，对比 2025-11。净销售额 = 实付金额 − 退款。匿名小票计入销售额，不计入客户数。" {
		t.Errorf("Join zh %q", got)
	}
}
