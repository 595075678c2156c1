package publish

import (
	"os"
	"strings"
	"testing"
)

// docs/scorecards.md carries the definition of every headline figure as
// the scorecards' Definitions list does (DefinitionsMarkdown); UPDATE_DOCS=1
// rewrites the table after a definition changes.
func TestDocsListEveryFigure(t *testing.T) {
	const path = "../../docs/scorecards.md"
	const begin, end = "<!-- figures:begin -->\n", "<!-- figures:end -->"
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	i, j := strings.Index(doc, begin), strings.Index(doc, end)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the %q ... %q block", path, begin, end)
	}
	want := DefinitionsMarkdown()
	if got := doc[i+len(begin) : j]; got != want {
		if os.Getenv("UPDATE_DOCS") != "" {
			if err := os.WriteFile(path, []byte(doc[:i+len(begin)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s's figure table differs from the definitions (UPDATE_DOCS=1 go test -run TestDocsListEveryFigure ./jobs/publish rewrites it):\n%s", path, want)
	}
	for _, f := range figures {
		if !strings.Contains(doc, "`"+f.key+"`") {
			t.Errorf("%s does not list %s", path, f.key)
		}
	}
}
