package sqltest

import (
	"strings"
	"testing"
)

func TestDiff(t *testing.T) {
	cols := []string{"id", "amount", "fit"}
	loose := func(c string) float64 {
		if c == "fit" {
			return 1e-6
		}
		return 1e-9
	}
	cases := []struct {
		name      string
		inc, full [][]any
		tol       func(string) float64
		want      string // "" or a part of the message
	}{
		{"equal", [][]any{{"a", 1.0, 2.0}}, [][]any{{"a", 1.0, 2.0}}, nil, ""},
		{"row count", [][]any{{"a", 1.0, 2.0}}, nil, nil, "1 rows incremental, 0 rebuilt"},
		{"float within 1e-9", [][]any{{"a", 1.0, 2.0}}, [][]any{{"a", 1.0 + 5e-10, 2.0}}, nil, ""},
		{"float beyond 1e-9", [][]any{{"a", 1.0, 2.0}}, [][]any{{"a", 1.0 + 2e-9, 2.0}}, nil, "row 0 column amount"},
		{"fitted column within its 1e-6", [][]any{{"a", 1.0, 2.0}}, [][]any{{"a", 1.0, 2.0 + 1e-6}}, loose, ""},
		{"fitted column beyond its 1e-6", [][]any{{"a", 1.0, 2.0}}, [][]any{{"a", 1.0, 2.0 + 1e-5}}, loose, "row 0 column fit"},
		{"text differs", [][]any{{"a", 1.0, 2.0}}, [][]any{{"b", 1.0, 2.0}}, nil, "row 0 column id: incremental a, rebuilt b"},
		{"nil against a value", [][]any{{nil, 1.0, 2.0}}, [][]any{{"a", 1.0, 2.0}}, nil, "row 0 column id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Diff(cols, c.inc, c.full, c.tol)
			if (c.want == "") != (got == "") || !strings.Contains(got, c.want) {
				t.Errorf("Diff = %q, want %q", got, c.want)
			}
		})
	}
}
