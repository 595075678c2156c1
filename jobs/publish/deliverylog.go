package publish

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"time"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/pipeline/warehouse"
	"github.com/crmkit/crmkit/reports"
)

// Delivery log statuses.
const (
	mailAccepted = "accepted"
	mailFailed   = "failed"
)

// deliveryKey names one message of the deliveries: a delivery and one of
// its recipients.
type deliveryKey struct{ Delivery, Recipient string }

// UndeliveredDir is where messages the server did not accept are kept, as
// <delivery>_<recipient>_<as-of>.eml with the error in a .error.txt beside.
func UndeliveredDir(out string) string { return filepath.Join(out, "mail", "undelivered") }

// deliverOnce sends msgs (keys[i] names msgs[i]) over SMTP, skipping those
// the delivery log shows accepted for the same as-of date unless
// env.Resend, and records each outcome as it happens; messages that fail
// are kept under UndeliveredDir. Without SMTP the messages are .eml files
// rewritten on every run, and nothing is logged. It returns the number of
// messages delivered now.
func deliverOnce(ctx context.Context, env *jobs.Env, m *reports.Mailer, asOf time.Time, out string, msgs []*reports.Message, keys []deliveryKey) (int, error) {
	if env.Cfg.SMTP == nil {
		if _, err := m.Deliver(ctx, msgs); err != nil {
			return 0, fmt.Errorf("deliver scorecards: %w", err)
		}
		return len(msgs), nil
	}
	if err := warehouse.CreateTable(ctx, env.WH, "mail_deliveries", MailDeliveriesSchema); err != nil {
		return 0, fmt.Errorf("create mail_deliveries: %w", err)
	}
	day := asOf.Format("2006-01-02")
	accepted := map[deliveryKey]bool{}
	if !env.Resend {
		recs, err := env.WH.Query(ctx, mailSQL["accepted"], day, mailAccepted)
		if err != nil {
			return 0, fmt.Errorf("read mail_deliveries: %w", err)
		}
		for _, r := range recs {
			for i := 0; i < int(r.NumRows()); i++ {
				accepted[deliveryKey{warehouse.StringAt(r, 0, i), warehouse.StringAt(r, 1, i)}] = true
			}
		}
		warehouse.Release(recs)
	}
	byID := map[string]deliveryKey{}
	msgByID := map[string]*reports.Message{}
	var todo []*reports.Message
	for i, msg := range msgs {
		if accepted[keys[i]] {
			env.Log.Info("mail already accepted for this as-of date: not sent again (--resend sends it)",
				"delivery", keys[i].Delivery, "to", keys[i].Recipient, "as_of", day)
			continue
		}
		msg.MessageID = newMessageID()
		byID[msg.MessageID], msgByID[msg.MessageID] = keys[i], msg
		todo = append(todo, msg)
	}
	if len(todo) == 0 {
		return 0, nil
	}
	// Recording must outlive a cancelled run: what the server accepted was
	// delivered whatever happens next.
	logCtx := context.WithoutCancel(ctx)
	record := func(k deliveryKey, id, status string, attempts int, errText string) {
		if err := env.WH.Exec(logCtx, mailSQL["record"], env.RunID, env.Partition, day, k.Delivery, k.Recipient, id, status, attempts, errText, time.Now().UTC()); err != nil {
			env.Log.Error("mail delivery not logged", "delivery", k.Delivery, "to", k.Recipient, "status", status, "error", err)
		}
	}
	sent := 0
	m.OnAccepted = func(r reports.Receipt) {
		k := byID[r.MessageID]
		record(k, r.MessageID, mailAccepted, r.Attempts, "")
		sent++
		base := filepath.Join(UndeliveredDir(out), undeliveredName(k, day))
		os.Remove(base + ".eml")
		os.Remove(base + ".error.txt")
	}
	if b := env.Cfg.Jobs.RetryBackoff.D(); b > 0 && m.Backoff == 0 {
		m.Backoff = b
	}
	_, err := m.Deliver(ctx, todo)
	if err == nil {
		return sent, nil
	}
	for _, f := range sendFailures(err) {
		k, msg := byID[f.MessageID], msgByID[f.MessageID]
		if msg == nil {
			continue
		}
		record(k, f.MessageID, mailFailed, f.Attempts, f.Err.Error())
		if kerr := keepUndelivered(m, msg, out, k, day, f); kerr != nil {
			env.Log.Error("undelivered message not kept", "delivery", k.Delivery, "to", k.Recipient, "error", kerr)
		}
	}
	return sent, fmt.Errorf("deliver scorecards: %w", err)
}

// sendFailures lists the *reports.SendFailure in Deliver's joined error.
func sendFailures(err error) []*reports.SendFailure {
	var out []*reports.SendFailure
	var walk func(error)
	walk = func(e error) {
		if multi, ok := e.(interface{ Unwrap() []error }); ok {
			for _, x := range multi.Unwrap() {
				walk(x)
			}
			return
		}
		var f *reports.SendFailure
		if errors.As(e, &f) {
			out = append(out, f)
		}
	}
	walk(err)
	return out
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9@._-]+`)

func undeliveredName(k deliveryKey, day string) string {
	return unsafeName.ReplaceAllString(k.Delivery+"_"+k.Recipient+"_"+day, "_")
}

// keepUndelivered writes msg as .eml under UndeliveredDir with the error
// in a .error.txt beside it, so it can be sent by hand or inspected.
func keepUndelivered(m *reports.Mailer, msg *reports.Message, out string, k deliveryKey, day string, f *reports.SendFailure) error {
	dir := UndeliveredDir(out)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	base := filepath.Join(dir, undeliveredName(k, day))
	var buf bytes.Buffer
	if err := m.WriteEML(&buf, msg); err != nil {
		return fmt.Errorf("compose %s.eml: %w", base, err)
	}
	if err := os.WriteFile(base+".eml", buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write %s.eml: %w", base, err)
	}
	note := fmt.Sprintf("delivery: %s\nrecipient: %s\nas_of: %s\nmessage_id: %s\nattempts: %d\nretryable: %t\nfailed_at: %s\nerror: %v\n",
		k.Delivery, k.Recipient, day, f.MessageID, f.Attempts, f.Retryable, time.Now().UTC().Format(time.RFC3339), f.Err)
	if err := os.WriteFile(base+".error.txt", []byte(note), 0o644); err != nil {
		return fmt.Errorf("write %s.error.txt: %w", base, err)
	}
	return nil
}

// newMessageID returns a Message-ID (without angle brackets) set before
// sending, so the delivery log can name each message as it is accepted.
func newMessageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "crmkit.localhost"
	}
	return "crmkit." + hex.EncodeToString(b) + "@" + host
}
