package reports

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"

	"github.com/crmkit/crmkit/config"
)

// Composing messages: subjects from templates, the scorecard message with
// its inline parts and attachment, the plain-text alert.

// SubjectData is what a subject template sees.
type SubjectData struct {
	Title, Period, PrevPeriod, Layer, AsOf string
	// Filter is Scorecard.FilterString(), e.g. "region=华东".
	Filter string
	// Headline is the first KPI with its value and change on the previous
	// period, e.g. "净销售额 ¥ 943,818 +7.1%" (empty without KPIs).
	Headline string
}

// headline is the first KPI, its value and its change on the previous
// period (relative; in points for a pct KPI), in the scorecard's language.
func headline(sc *Scorecard) string {
	if len(sc.KPIs) == 0 {
		return ""
	}
	k, nf := sc.KPIs[0], newNumFmt(sc)
	s := k.Label + " " + nf.value(k.Value, k.Unit)
	if k.Unit == UnitPct && k.HasPrev {
		s += " " + nf.delta(k.Delta(), k.Unit)
	} else if p, ok := k.DeltaPct(); ok {
		s += " " + FormatPct(p)
	}
	return s
}

// RenderSubject executes a text/template subject (DefaultSubjectTemplate
// when tmpl is empty) for the scorecard; line breaks are folded to spaces.
func RenderSubject(sc *Scorecard, tmpl string) (string, error) {
	if tmpl == "" {
		tmpl = DefaultSubjectTemplate
	}
	t, err := template.New("subject").Option("missingkey=error").Parse(tmpl)
	if err != nil {
		return "", fmt.Errorf("subject template %q: %w", tmpl, err)
	}
	var b strings.Builder
	sc = localize(sc)
	err = t.Execute(&b, SubjectData{Title: sc.Title, Period: sc.Period, PrevPeriod: sc.PrevPeriod,
		Layer: string(sc.Layer), AsOf: dateOrEmpty(sc.AsOf, "2006-01-02"), Filter: filterText(sc.lang(), sc),
		Headline: headline(sc)})
	if err != nil {
		return "", fmt.Errorf("subject template %q: %w", tmpl, err)
	}
	return oneLine(b.String()), nil
}

// ComposeScorecard builds the mail for one scorecard and its recipients:
// the subject from subjectTmpl (see RenderSubject), the HTML body with
// every chart attached inline under the content id the HTML references,
// the plain-text alternative, and the workbook at xlsxPath attached when
// it is no larger than the cap — otherwise both bodies say where to fetch
// it. xlsxPath may be empty (no workbook).
func (m *Mailer) ComposeScorecard(sc *Scorecard, to []string, subjectTmpl, xlsxPath string) (*Message, error) {
	if len(to) == 0 {
		return nil, errors.New("compose scorecard: no recipients")
	}
	subject, err := RenderSubject(sc, subjectTmpl)
	if err != nil {
		return nil, err
	}
	charts, err := RenderCharts(sc)
	if err != nil {
		return nil, err
	}
	msg := &Message{To: to, Subject: subject, Name: sc.BaseName() + "_" + config.FileStem(to[0])}
	if xlsxPath != "" {
		st, err := os.Stat(xlsxPath)
		if err != nil {
			return nil, fmt.Errorf("compose scorecard: workbook: %w", err)
		}
		limit := m.AttachMaxBytes
		if limit == 0 {
			limit = DefaultAttachMaxBytes
		}
		if limit > 0 && st.Size() <= limit {
			msg.Attachments = append(msg.Attachments, Attachment{FileName: filepath.Base(xlsxPath),
				ContentType: XLSXContentType, Path: xlsxPath})
		} else {
			abs, _ := filepath.Abs(xlsxPath)
			msg.Notices = append(msg.Notices, fmt.Sprintf(
				"The workbook (%s) is larger than the %s mail attachment limit and is not attached; fetch it from %s",
				byteSize(st.Size()), byteSize(max(limit, 0)), abs))
		}
	}
	if msg.HTML, err = renderHTML(sc, HTMLEmail, msg.Notices); err != nil {
		return nil, err
	}
	if msg.Text, err = renderText(sc, msg.Notices); err != nil {
		return nil, err
	}
	for _, c := range charts {
		msg.Inline = append(msg.Inline, InlinePart{ContentID: c.ContentID, FileName: c.FileName,
			ContentType: "image/png", Data: c.PNG})
	}
	return msg, nil
}

func byteSize(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

// AlertMessage builds a plain-text failure alert.
func AlertMessage(to []string, subject string, lines ...string) *Message {
	return &Message{To: to, Subject: oneLine(subject), Text: strings.Join(lines, "\n") + "\n",
		Name: "alert_" + config.FileStem(subject)}
}
