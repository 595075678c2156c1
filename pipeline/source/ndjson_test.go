package source

import (
	"strings"
	"testing"
)

func TestScanObject(t *testing.T) {
	index := map[string]int{"id": 0, "名称": 1, "qty": 2, "note": 3, "ok": 4}
	cases := []struct {
		line string
		want []string
		err  string
	}{
		{`{"id":"A1","名称":"玫瑰","qty":2,"note":null,"ok":true}`, []string{"A1", "玫瑰", "2", "", "true"}, ""},
		{` { "id" : "A\"2" , "qty" : -1.5e2 , "extra" : {"a":[1,"}"]} } `, []string{`A"2`, "", "-1.5e2", "", ""}, ""},
		{`{"id":"\u5f20\n","note":[1,2]}`, []string{"张\n", "", "", "[1,2]", ""}, ""},
		{`{"\u0069d":"escaped key"}`, []string{"escaped key", "", "", "", ""}, ""},
		{`{}`, []string{"", "", "", "", ""}, ""},
		{`{"id":"x",}`, nil, "expected a key"},
		{`{"id" "x"}`, nil, "expected ':'"},
		{`{"id":"x" "qty":1}`, nil, "expected ','"},
		{`{"qty":N/A}`, nil, "bad value"},
		{`{"id":"unterminated}`, nil, "unterminated"},
		{`{"id":"x"} tail`, nil, "text after"},
		{`["not","object"]`, nil, "not a JSON object"},
		{`{this is not json`, nil, "expected a key"},
	}
	for _, c := range cases {
		fields := make([]string, 5)
		err := scanObject([]byte(c.line), index, fields)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.line, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", c.line, err)
			continue
		}
		if strings.Join(fields, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: got %q want %q", c.line, fields, c.want)
		}
	}
}
