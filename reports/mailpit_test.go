package reports

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/mailpittest"
)

type mpAddress struct{ Name, Address string }

type mpAttachment struct {
	PartID, FileName, ContentType, ContentID string
	Size                                     int64
}

type mpMessage struct {
	ID, MessageID, Subject, HTML, Text string
	To                                 []mpAddress
	Inline, Attachments                []mpAttachment
}

// TestMailpitRoundTrip sends two scorecards with different region filters
// to two recipients through a real SMTP server (mailpit) and reads them
// back over mailpit's HTTP API.
func TestMailpitRoundTrip(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the mailpit round trip")
	}
	mp := mailpittest.Start(t)
	smtpPort := mp.SMTPPort
	dir := t.TempDir()
	m := &Mailer{SMTP: &config.SMTP{Host: "127.0.0.1", Port: smtpPort, TLS: "none", From: "crmkit@example.test"},
		AttachMaxBytes: 5 << 20, Attempts: 2, Backoff: 200 * time.Millisecond, Timeout: 10 * time.Second, Log: discardLogger()}

	type sent struct {
		to, region string
		msg        *Message
		xlsx       string
	}
	var plan []sent
	for _, r := range []struct{ to, region, store string }{
		{"east@example.test", "华东", "上海南京西路店"},
		{"south@example.test", "华南", "广州天河店"},
	} {
		sc := testScorecard()
		sc.Filter = map[string]string{"region": r.region}
		sc.Sections[0].Tables[0].Rows[0][0] = r.store
		sc.Sections[0].Tables[0].Rows[0][1] = r.region
		xlsx := filepath.Join(dir, sc.BaseName()+".xlsx")
		if err := WriteXLSX(sc, xlsx); err != nil {
			t.Fatal(err)
		}
		msg, err := m.ComposeScorecard(sc, []string{r.to}, "", xlsx)
		if err != nil {
			t.Fatal(err)
		}
		plan = append(plan, sent{r.to, r.region, msg, xlsx})
	}
	msgs := []*Message{plan[0].msg, plan[1].msg}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	start := time.Now()
	receipts, err := m.Deliver(ctx, msgs)
	if err != nil {
		t.Fatalf("deliver: %v", err)
	}
	t.Logf("delivered %d messages in %v", len(receipts), time.Since(start).Round(time.Millisecond))

	var list struct {
		Total    int `json:"total"`
		Messages []struct {
			ID, Subject string
			To          []mpAddress
		} `json:"messages"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mp.JSON(t, "/api/v1/messages", &list)
		if list.Total >= 2 || time.Now().After(deadline) {
			break
		}
	}
	if list.Total != 2 || len(list.Messages) != 2 {
		t.Fatalf("mailpit holds %d messages, want 2", list.Total)
	}
	byRecipient := map[string]string{}
	for _, s := range list.Messages {
		if len(s.To) != 1 {
			t.Fatalf("message %s has recipients %v, want exactly one", s.ID, s.To)
		}
		if _, dup := byRecipient[s.To[0].Address]; dup {
			t.Fatalf("%s got two messages", s.To[0].Address)
		}
		byRecipient[s.To[0].Address] = s.ID
	}
	for _, p := range plan {
		id, ok := byRecipient[p.to]
		if !ok {
			t.Fatalf("no message for %s (got %v)", p.to, byRecipient)
		}
		var got mpMessage
		mp.JSON(t, "/api/v1/message/"+id, &got)
		if got.Subject != p.msg.Subject || !strings.Contains(got.Subject, "大区="+p.region) {
			t.Errorf("%s: subject %q, want %q", p.to, got.Subject, p.msg.Subject)
		}
		if strings.Trim(got.MessageID, "<>") != p.msg.MessageID {
			t.Errorf("%s: Message-ID %q, want %q", p.to, got.MessageID, p.msg.MessageID)
		}
		// Each recipient got their own region's scorecard and not the other's.
		for _, other := range plan {
			has := strings.Contains(got.HTML, "大区: "+other.region) // the filter chip, labelled in Chinese
			if has != (other.region == p.region) {
				t.Errorf("%s: HTML mentions region %s = %v", p.to, other.region, has)
			}
		}
		if !strings.Contains(got.Text, "筛选：大区="+p.region) { // the text part, in Chinese
			t.Errorf("%s: text part lacks its filter", p.to)
		}
		// Inline images: every cid in the HTML resolves to an inline part
		// whose bytes are the rendered chart.
		inlineByCID := map[string]mpAttachment{}
		for _, a := range got.Inline {
			inlineByCID[strings.Trim(a.ContentID, "<>")] = a
		}
		refs := cidRef.FindAllStringSubmatch(got.HTML, -1)
		if len(refs) != len(p.msg.Inline) || len(got.Inline) != len(p.msg.Inline) {
			t.Errorf("%s: %d cid references, %d inline parts, want %d", p.to, len(refs), len(got.Inline), len(p.msg.Inline))
		}
		for _, r := range refs {
			a, ok := inlineByCID[r[1]]
			if !ok {
				t.Errorf("%s: cid:%s not among inline parts %v", p.to, r[1], keys(inlineByCID))
				continue
			}
			body := mp.Bytes(t, fmt.Sprintf("/api/v1/message/%s/part/%s", id, a.PartID))
			i := slices.IndexFunc(p.msg.Inline, func(ip InlinePart) bool { return ip.ContentID == r[1] })
			if i < 0 || !bytes.Equal(body, p.msg.Inline[i].Data) {
				t.Errorf("%s: inline part %s differs from the rendered chart", p.to, r[1])
			}
			decodePNG(t, body)
		}
		// The workbook arrives byte for byte.
		if len(got.Attachments) != 1 {
			t.Fatalf("%s: %d attachments, want 1", p.to, len(got.Attachments))
		}
		att := got.Attachments[0]
		if att.FileName != filepath.Base(p.xlsx) {
			t.Errorf("%s: attachment name %q, want %q", p.to, att.FileName, filepath.Base(p.xlsx))
		}
		body := mp.Bytes(t, fmt.Sprintf("/api/v1/message/%s/part/%s", id, att.PartID))
		want, _ := os.ReadFile(p.xlsx)
		if !bytes.Equal(body, want) {
			t.Errorf("%s: attachment (%d bytes) differs from %s (%d bytes)", p.to, len(body), p.xlsx, len(want))
		}
		t.Logf("%s: subject %q, %d inline charts, workbook %d bytes", p.to, got.Subject, len(got.Inline), len(body))
	}

	// A failure alert goes through the same path.
	if err := m.SendAlert(ctx, []string{"ops@example.test"}, "crmkit chain failed", "job: stitch", "error: boom"); err != nil {
		t.Fatalf("alert: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		mp.JSON(t, "/api/v1/messages", &list)
		if list.Total >= 3 || time.Now().After(deadline) {
			break
		}
	}
	if list.Total != 3 || list.Messages[0].Subject != "crmkit chain failed" {
		t.Errorf("alert not received: %+v", list)
	}
}
