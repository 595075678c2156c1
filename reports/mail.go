package reports

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"text/template"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/retry"
)

// DefaultSubjectTemplate is the scorecard mail subject when a delivery sets
// none. Fields: .Title .Period .PrevPeriod .Layer .AsOf (2006-01-02) and
// .Filter (e.g. "region=华东", empty when unfiltered).
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
		Layer: string(sc.Layer), AsOf: dateOrEmpty(sc.AsOf, "2006-01-02"), Filter: sc.FilterString(),
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
	msg := &Message{To: to, Subject: subject, Name: sc.BaseName() + "_" + slug(to[0])}
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
		Name: "alert_" + slug(subject)}
}

// SendAlert delivers a plain-text failure alert (subject, one body line per
// entry of lines) through the same path as scorecards: SMTP with retries,
// or a .eml file.
func (m *Mailer) SendAlert(ctx context.Context, to []string, subject string, lines ...string) error {
	if len(to) == 0 {
		return errors.New("send alert: no recipients")
	}
	_, err := m.Deliver(ctx, []*Message{AlertMessage(to, subject, lines...)})
	return err
}

// build converts a Message to a go-mail message.
func (m *Mailer) build(msg *Message) (*mail.Msg, error) {
	gm := mail.NewMsg()
	from := m.From
	if from == "" {
		from = DefaultFrom
	}
	if err := gm.From(from); err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	if err := gm.To(msg.To...); err != nil {
		return nil, fmt.Errorf("to %q: %w", msg.To, err)
	}
	gm.Subject(oneLine(msg.Subject))
	gm.SetDate()
	gm.SetMessageIDWithValue(msg.MessageID)
	gm.SetBodyString(mail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}
	for _, p := range msg.Inline {
		ct := p.ContentType
		if ct == "" {
			ct = "application/octet-stream"
		}
		if err := gm.EmbedReader(p.FileName, bytes.NewReader(p.Data),
			mail.WithFileContentID("<"+p.ContentID+">"), mail.WithFileContentType(mail.ContentType(ct))); err != nil {
			return nil, fmt.Errorf("inline %s: %w", p.FileName, err)
		}
	}
	for _, a := range msg.Attachments {
		data := a.Data
		if a.Path != "" {
			b, err := os.ReadFile(a.Path)
			if err != nil {
				return nil, fmt.Errorf("attachment: %w", err)
			}
			data = b
		}
		name := a.FileName
		if name == "" {
			name = filepath.Base(a.Path)
		}
		opts := []mail.FileOption{}
		if a.ContentType != "" {
			opts = append(opts, mail.WithFileContentType(mail.ContentType(a.ContentType)))
		}
		if err := gm.AttachReader(name, bytes.NewReader(data), opts...); err != nil {
			return nil, fmt.Errorf("attachment %s: %w", name, err)
		}
	}
	return gm, nil
}

// WriteEML writes msg in RFC 5322 form to w (what file mode stores).
func (m *Mailer) WriteEML(w io.Writer, msg *Message) error {
	if msg.MessageID == "" {
		msg.MessageID = newMessageID()
	}
	gm, err := m.build(msg)
	if err != nil {
		return err
	}
	_, err = gm.WriteTo(w)
	return err
}

func newMessageID() string {
	gm := mail.NewMsg()
	gm.SetMessageID()
	return strings.Trim(gm.GetMessageID(), "<>")
}

// Deliver sends the messages. Without SMTP each message is written as a
// .eml file into OutDir. With SMTP, messages whose failure is retryable
// (see IsRetryable) are tried again, up to Attempts times with doubling
// Backoff, on a fresh connection; messages already accepted are never
// sent twice. It returns a Receipt per delivered message (in input
// order) and, when some failed, an error joining one *SendFailure per
// undelivered message; IsRetryable on that error is true only if every
// failure is retryable.
func (m *Mailer) Deliver(ctx context.Context, msgs []*Message) ([]Receipt, error) {
	for _, msg := range msgs {
		if msg.MessageID == "" {
			msg.MessageID = newMessageID()
		}
	}
	if m.SMTP == nil {
		return m.writeFiles(msgs)
	}
	return m.sendSMTP(ctx, msgs)
}

func (m *Mailer) writeFiles(msgs []*Message) ([]Receipt, error) {
	if err := os.MkdirAll(m.OutDir, 0o755); err != nil {
		return nil, fmt.Errorf("mail out dir: %w", err)
	}
	var receipts []Receipt
	var errs []error
	used := map[string]bool{}
	for _, msg := range msgs {
		name := msg.Name
		if name == "" {
			name = slug(msg.Subject)
			if len(msg.To) > 0 {
				name += "_" + slug(msg.To[0])
			}
		}
		name = cutRunes(name, 120)
		base := name
		for n := 2; used[name]; n++ {
			name = base + "_" + strconv.Itoa(n)
		}
		used[name] = true
		path := filepath.Join(m.OutDir, name+".eml")
		var buf bytes.Buffer
		err := m.WriteEML(&buf, msg)
		if err == nil {
			err = writeFileAtomic(path, buf.Bytes())
		}
		if err != nil {
			errs = append(errs, &SendFailure{To: msg.To, Subject: msg.Subject, Attempts: 1, Err: err})
			continue
		}
		m.log().Info("mail written", "path", path, "to", msg.To, "subject", msg.Subject)
		receipts = append(receipts, Receipt{To: msg.To, Subject: msg.Subject, MessageID: msg.MessageID, Path: path, Attempts: 1})
	}
	return receipts, errors.Join(errs...)
}

func (m *Mailer) client() (*mail.Client, error) {
	s := m.SMTP
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	port := s.Port
	switch s.TLS {
	case "tls":
		opts = append(opts, mail.WithSSL())
		if port == 0 {
			port = 465
		}
	case "none":
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		if port == 0 {
			port = 25
		}
	default: // starttls
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		if port == 0 {
			port = 587
		}
	}
	opts = append(opts, mail.WithPort(port))
	if m.username != "" || m.password != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(m.username), mail.WithPassword(m.password))
	}
	c, err := mail.NewClient(s.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client for %s: %w", s.Host, err)
	}
	return c, nil
}

func (m *Mailer) sendSMTP(ctx context.Context, msgs []*Message) ([]Receipt, error) {
	attempts := m.Attempts
	if attempts <= 0 {
		attempts = 3
	}
	backoff := m.Backoff
	if backoff <= 0 {
		backoff = 5 * time.Second
	}
	client, err := m.client()
	if err != nil {
		return nil, err
	}
	done := make([]*Receipt, len(msgs))
	lastErr := make([]error, len(msgs))
	tries := make([]int, len(msgs))
	permanent := make([]bool, len(msgs))
	pending := make([]int, len(msgs))
	for i := range msgs {
		pending[i] = i
	}
	for attempt := 1; attempt <= attempts && len(pending) > 0; attempt++ {
		if attempt > 1 {
			wait := retry.Backoff{Base: backoff}.Delay(attempt - 1)
			m.log().Warn("mail: retrying", "messages", len(pending), "attempt", attempt, "wait", wait)
			if err := retry.Sleep(ctx, wait); err != nil {
				for _, i := range pending {
					lastErr[i] = errors.Join(lastErr[i], err)
				}
				pending = nil
			}
			if len(pending) == 0 {
				break
			}
		}
		pending = m.sendRound(ctx, client, msgs, pending, attempt, done, lastErr, tries, permanent)
	}
	var receipts []Receipt
	var errs []error
	for i, msg := range msgs {
		if done[i] != nil {
			receipts = append(receipts, *done[i])
			continue
		}
		f := &SendFailure{MessageID: msg.MessageID, To: msg.To, Subject: msg.Subject, Attempts: tries[i], Err: lastErr[i]}
		f.Retryable = !permanent[i] && classify(lastErr[i])
		m.log().Error("mail: not delivered", "to", msg.To, "subject", msg.Subject, "attempts", tries[i],
			"retryable", f.Retryable, "error", lastErr[i])
		errs = append(errs, f)
	}
	return receipts, errors.Join(errs...)
}

// sendRound sends the pending messages over one connection and returns
// those to try again.
func (m *Mailer) sendRound(ctx context.Context, client *mail.Client, msgs []*Message, pending []int, attempt int,
	done []*Receipt, lastErr []error, tries []int, permanent []bool) []int {
	var again []int
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		retry := classify(err)
		for _, i := range pending {
			tries[i] = attempt
			lastErr[i] = fmt.Errorf("connect to %s: %w", client.ServerAddr(), err)
			permanent[i] = !retry
			if retry {
				again = append(again, i)
			}
		}
		m.log().Warn("mail: connect failed", "server", client.ServerAddr(), "retryable", retry, "error", err)
		return again
	}
	defer func() { _ = client.CloseWithSMTPClient(conn) }()
	for _, i := range pending {
		msg := msgs[i]
		tries[i] = attempt
		if err := ctx.Err(); err != nil {
			lastErr[i] = err
			permanent[i] = true
			continue
		}
		gm, err := m.build(msg)
		if err != nil {
			lastErr[i] = err
			permanent[i] = true
			continue
		}
		if err := client.SendWithSMTPClient(conn, gm); err != nil {
			lastErr[i] = err
			if classify(err) {
				again = append(again, i)
			} else {
				permanent[i] = true
			}
			continue
		}
		m.log().Info("mail sent", "to", msg.To, "subject", msg.Subject, "attempt", attempt)
		done[i] = &Receipt{To: msg.To, Subject: msg.Subject, MessageID: msg.MessageID, Attempts: attempt}
		if m.OnAccepted != nil {
			m.OnAccepted(*done[i])
		}
	}
	return again
}

// IsRetryable reports whether a delivery error is worth retrying later:
// refused or reset connections, timeouts, DNS hiccups and SMTP 4xx replies
// are; authentication failures, TLS certificate problems, SMTP 5xx replies
// and malformed messages are not. For an error joining several failures
// (Deliver's), it is true only when every one of them is retryable.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		errs := multi.Unwrap()
		if len(errs) == 0 {
			return false
		}
		for _, e := range errs {
			if !IsRetryable(e) {
				return false
			}
		}
		return true
	}
	var sf *SendFailure
	if errors.As(err, &sf) {
		return sf.Retryable
	}
	return classify(err)
}

var smtpCodePrefix = regexp.MustCompile(`(?:^|: )([45])\d\d[ -]`)

// classify decides whether a raw delivery error is transient.
func classify(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, context.Canceled) {
		return false
	}
	msg := err.Error()
	// Authentication failures are permanent whatever their code: retrying
	// with the same credentials will not help and may lock the account.
	if strings.Contains(msg, "SMTP AUTH failed") || strings.Contains(msg, "does not support SMTP AUTH") ||
		strings.Contains(msg, "unsupported SMTP AUTH") || errors.Is(err, mail.ErrPlainAuthNotSupported) {
		return false
	}
	var certInvalid x509.CertificateInvalidError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var verifyErr *tls.CertificateVerificationError
	if errors.As(err, &certInvalid) || errors.As(err, &unknownAuth) || errors.As(err, &hostErr) || errors.As(err, &verifyErr) {
		return false
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return tp.Code >= 400 && tp.Code < 500
	}
	var se *mail.SendError
	if errors.As(err, &se) {
		switch code := se.ErrorCode(); {
		case code >= 500:
			return false
		case code >= 400 || se.IsTemp():
			return true
		}
		switch se.Reason {
		case mail.ErrConnCheck, mail.ErrSMTPData, mail.ErrSMTPDataClose, mail.ErrWriteContent, mail.ErrSMTPReset:
			return true // the connection broke mid-message
		}
		return false
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, os.ErrDeadlineExceeded) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	for _, e := range []error{syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.ECONNABORTED, syscall.EPIPE,
		syscall.EHOSTUNREACH, syscall.ENETUNREACH, syscall.ETIMEDOUT, io.EOF, io.ErrUnexpectedEOF, net.ErrClosed} {
		if errors.Is(err, e) {
			return true
		}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return !dns.IsNotFound
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return true
	}
	if m := smtpCodePrefix.FindStringSubmatch(msg); m != nil {
		return m[1] == "4"
	}
	return false
}
