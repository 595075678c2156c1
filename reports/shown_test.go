package reports

import (
	"fmt"
	"strings"
	"testing"
)

// A table longer than it may be shown is cut in HTML and the text part,
// which say how many rows of how many they show and where the rest is;
// Table.Shown lowers the cut below the renderers' own.
func TestShownRowsSayWhatIsCut(t *testing.T) {
	cases := []struct {
		name         string
		rows, shown  int
		wantShown    int // 0: not cut
		wantLastSeen string
	}{
		{"short table: all rows", 12, 0, 0, "row 12"},
		{"shown below the table's length", 40, 15, 15, "row 15"},
		{"shown above the renderers' own cut", 76, 50, htmlMaxRows, fmt.Sprintf("row %d", htmlMaxRows)},
		{"shown longer than the table", 10, 50, 0, "row 10"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sc := testScorecard()
			sc.Language = "en"
			tb := Table{Title: "Long", Columns: []Column{{Name: "name", Unit: UnitText}, {Name: "n", Unit: UnitCount}}, Shown: c.shown}
			for i := 1; i <= c.rows; i++ {
				tb.Rows = append(tb.Rows, []any{fmt.Sprintf("row %d", i), int64(i)})
			}
			sc.Sections = append(sc.Sections, Section{Name: "Long table", Tables: []Table{tb}})
			page, err := RenderHTML(sc, HTMLFile)
			if err != nil {
				t.Fatal(err)
			}
			text, err := RenderText(sc)
			if err != nil {
				t.Fatal(err)
			}
			for what, out := range map[string]string{"html": page, "text": text} {
				note := fmt.Sprintf("%d of %d rows", c.wantShown, c.rows)
				if c.wantShown == 0 {
					if strings.Contains(out, fmt.Sprintf("of %d rows", c.rows)) {
						t.Errorf("%s: cut note on an uncut table", what)
					}
				} else if !strings.Contains(out, note) {
					t.Errorf("%s lacks %q", what, note)
				}
				if !strings.Contains(out, c.wantLastSeen+"<") && !strings.Contains(out, c.wantLastSeen+" ") {
					t.Errorf("%s does not show %s", what, c.wantLastSeen)
				}
				if next := fmt.Sprintf("row %d", c.rows+1); c.wantShown > 0 {
					next = fmt.Sprintf("row %d", c.wantShown+1)
					if strings.Contains(out, next+"<") || strings.Contains(out, next+" ") {
						t.Errorf("%s shows %s beyond the cut", what, next)
					}
				}
			}
		})
	}
}
