package reports

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/crmkit/crmkit/config"
)

// DefaultSubjectTemplate is the scorecard mail subject when a delivery sets
// none. Fields: .Title .Period .PrevPeriod .Layer .AsOf (2006-01-02) and
// .Filter (e.g. "大区=华东", the key in the scorecard's language; empty when unfiltered).
const DefaultSubjectTemplate = `{{.Period}} {{.Title}}{{if .Filter}} ({{.Filter}}){{end}}{{if .Headline}} · {{.Headline}}{{end}}`

// DefaultFrom is the sender of messages written as .eml files when no SMTP
// server (and so no smtp.from) is configured.
const DefaultFrom = "crmkit <crmkit@localhost>"

// DefaultAttachMaxBytes is the XLSX attachment cap used when the Mailer's
// AttachMaxBytes is 0 (config reports.attach_max_bytes has the same default).
const DefaultAttachMaxBytes = 5 << 20

// XLSXContentType is the MIME type of attached workbooks.
const XLSXContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// Message is one mail ready for Mailer.Deliver.
type Message struct {
	// To are the recipients' addresses.
	To []string
	// Subject is the subject line (line breaks are removed).
	Subject string
	// Text is the plain-text body; HTML, when set, is the preferred
	// alternative and may reference Inline parts as "cid:<ContentID>".
	Text string
	HTML string
	// Inline are images shown inside the HTML.
	Inline []InlinePart
	// Attachments are files attached to the message.
	Attachments []Attachment
	// Notices are lines added to the body (e.g. where to fetch a workbook
	// too large to attach); informational, already part of Text and HTML.
	Notices []string
	// Name is the file name stem when the message is written as a .eml
	// file (default: derived from the subject and first recipient).
	Name string
	// MessageID is the Message-ID without angle brackets; Deliver sets a
	// random one when empty. It stays the same across retries.
	MessageID string
}

// InlinePart is an image shown inside the HTML body.
type InlinePart struct {
	// ContentID without angle brackets, e.g. "chart-strategy-revenue@crmkit".
	ContentID   string
	FileName    string
	ContentType string
	Data        []byte
}

// Attachment is a file attached to a message: read from Path at delivery
// time, or Data when Path is empty.
type Attachment struct {
	FileName    string
	ContentType string
	Path        string
	Data        []byte
}

// Receipt records one delivered message.
type Receipt struct {
	To        []string
	Subject   string
	MessageID string
	// Path is the .eml file written (file mode); empty when sent by SMTP.
	Path string
	// Attempts is the number of SMTP attempts it took (1 in file mode).
	Attempts int
}

// SendFailure is the error for one message that Deliver could not deliver.
type SendFailure struct {
	MessageID string
	To        []string
	Subject   string
	Attempts  int
	Retryable bool
	Err       error
}

// Error describes the failed message, the attempts and the cause.
func (e *SendFailure) Error() string {
	kind := "permanent"
	if e.Retryable {
		kind = "retryable"
	}
	return fmt.Sprintf("mail to %s (%q) failed after %d attempt(s), %s: %v",
		strings.Join(e.To, ", "), e.Subject, e.Attempts, kind, e.Err)
}

// Unwrap returns the underlying delivery error.
func (e *SendFailure) Unwrap() error { return e.Err }

// Mailer composes and delivers scorecard mail, over SMTP when SMTP is set,
// otherwise by writing each message as a .eml file into OutDir.
type Mailer struct {
	// SMTP is the server; nil writes .eml files instead.
	SMTP *config.SMTP
	// From is the sender address (smtp.from; DefaultFrom in file mode).
	From string
	// OutDir receives .eml files in file mode.
	OutDir string
	// AttachMaxBytes caps attached workbooks (reports.attach_max_bytes):
	// 0 means DefaultAttachMaxBytes, negative never attaches.
	AttachMaxBytes int64
	// Attempts is how often a message is tried when failures are
	// retryable (default 3); Backoff is the wait before the second attempt,
	// doubled for each further one (default 5s).
	Attempts int
	Backoff  time.Duration
	// Timeout bounds connecting and each SMTP command (default 30s).
	Timeout time.Duration
	// Log receives one line per message sent or failed (never credentials).
	Log *slog.Logger
	// OnAccepted, when set, is called as soon as the server accepts a
	// message, before the next is sent, so a delivery log records it even
	// if the process dies before Deliver returns.
	OnAccepted func(Receipt)

	username, password string
}

// NewMailer configures a Mailer from the config: SMTP from cfg.SMTP (the
// username and password are read from the environment variables named by
// smtp.username_env / smtp.password_env, which must be set when named),
// .eml files into <output_dir>/mail when no SMTP is configured, and the
// attachment cap from reports.attach_max_bytes.
func NewMailer(cfg *config.Config) (*Mailer, error) {
	m := &Mailer{
		SMTP:           cfg.SMTP,
		OutDir:         filepath.Join(cfg.OutputDir, "mail"),
		AttachMaxBytes: cfg.Reports.AttachMaxBytes,
		From:           DefaultFrom,
	}
	if cfg.Reports.From != "" {
		m.From = cfg.Reports.From
	}
	if s := cfg.SMTP; s != nil {
		m.From = s.From
		if cfg.Reports.From != "" {
			m.From = cfg.Reports.From
		}
		if s.UsernameEnv != "" {
			v := os.Getenv(s.UsernameEnv)
			if v == "" {
				return nil, fmt.Errorf("smtp.username_env: environment variable %s is not set", s.UsernameEnv)
			}
			m.username = v
		}
		if s.PasswordEnv != "" {
			v := os.Getenv(s.PasswordEnv)
			if v == "" {
				return nil, fmt.Errorf("smtp.password_env: environment variable %s is not set", s.PasswordEnv)
			}
			m.password = v
		}
	}
	return m, nil
}

// SetCredentials sets the SMTP username and password directly (tests and
// callers that do not use the environment).
func (m *Mailer) SetCredentials(username, password string) {
	m.username, m.password = username, password
}

func (m *Mailer) log() *slog.Logger {
	if m.Log != nil {
		return m.Log
	}
	return slog.Default()
}
