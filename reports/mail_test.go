package reports

import (
	"bufio"
	"bytes"
	"context"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/crmkit/crmkit/config"
)

// mimePart is one leaf of a parsed MIME message.
type mimePart struct {
	ContentType string
	ContentID   string
	Disposition string
	FileName    string
	Body        []byte
}

// parseMIME parses an RFC 5322 message into its leaf parts, decoding
// base64 and quoted-printable bodies.
func parseMIME(t *testing.T, raw []byte) (*mail.Message, []mimePart) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("read message: %v", err)
	}
	var parts []mimePart
	var walk func(h textproto.MIMEHeader, body io.Reader)
	walk = func(h textproto.MIMEHeader, body io.Reader) {
		ct, params, err := mime.ParseMediaType(h.Get("Content-Type"))
		if err != nil {
			t.Fatalf("content type %q: %v", h.Get("Content-Type"), err)
		}
		if strings.HasPrefix(ct, "multipart/") {
			mr := multipart.NewReader(body, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatalf("multipart: %v", err)
				}
				walk(p.Header, p)
			}
		}
		var r io.Reader = body
		switch strings.ToLower(h.Get("Content-Transfer-Encoding")) {
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, body)
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("part body: %v", err)
		}
		p := mimePart{ContentType: ct, ContentID: strings.Trim(h.Get("Content-ID"), "<>"), Body: b}
		if d, dp, err := mime.ParseMediaType(h.Get("Content-Disposition")); err == nil {
			p.Disposition = d
			p.FileName, _ = new(mime.WordDecoder).DecodeHeader(dp["filename"])
		}
		parts = append(parts, p)
	}
	walk(textproto.MIMEHeader(m.Header), m.Body)
	return m, parts
}

var cidRef = regexp.MustCompile(`cid:([^"'\s)>]+)`)

func fileMailer(t *testing.T) *Mailer {
	cfg := &config.Config{OutputDir: t.TempDir()}
	cfg.Reports.AttachMaxBytes = 5 << 20
	m, err := NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	m.Log = discardLogger()
	return m
}

func TestComposeInlineChartsMatchHTML(t *testing.T) {
	sc := testScorecard()
	dir := t.TempDir()
	xlsx := filepath.Join(dir, sc.BaseName()+".xlsx")
	if err := WriteXLSX(sc, xlsx); err != nil {
		t.Fatal(err)
	}
	m := fileMailer(t)
	msg, err := m.ComposeScorecard(sc, []string{"east@example.test"}, "", xlsx)
	if err != nil {
		t.Fatal(err)
	}
	// period first, the localized title, the filter, then the first KPI
	// (net_revenue: 1,234,567.89 vs 1,100,000 = +12.2%; no currency set)
	if want := "2025-12 Strategy scorecard 战略看板 (大区=华东) · 净销售额 1,234,568 +12.2%"; msg.Subject != want {
		t.Errorf("subject = %q, want %q", msg.Subject, want)
	}
	var buf bytes.Buffer
	if err := m.WriteEML(&buf, msg); err != nil {
		t.Fatal(err)
	}
	hdr, parts := parseMIME(t, buf.Bytes())
	subj, _ := new(mime.WordDecoder).DecodeHeader(hdr.Header.Get("Subject"))
	if subj != msg.Subject {
		t.Errorf("Subject header decodes to %q", subj)
	}
	var html, text string
	inline := map[string]mimePart{}
	var attachments []mimePart
	for _, p := range parts {
		switch {
		case p.ContentType == "text/html":
			html = string(p.Body)
		case p.ContentType == "text/plain":
			text = string(p.Body)
		case p.Disposition == "inline":
			inline[p.ContentID] = p
		case p.Disposition == "attachment":
			attachments = append(attachments, p)
		}
	}
	if html == "" || text == "" {
		t.Fatalf("missing html (%d bytes) or text (%d bytes) part", len(html), len(text))
	}
	refs := cidRef.FindAllStringSubmatch(html, -1)
	if len(refs) != 5 {
		t.Errorf("html has %d cid references, want 5 (one per chart)", len(refs))
	}
	for _, r := range refs {
		p, ok := inline[r[1]]
		if !ok {
			t.Errorf("cid:%s has no inline part (inline parts: %v)", r[1], keys(inline))
			continue
		}
		if p.ContentType != "image/png" {
			t.Errorf("cid:%s is %s", r[1], p.ContentType)
		}
		decodePNG(t, p.Body)
	}
	if len(inline) != len(refs) {
		t.Errorf("%d inline parts for %d references", len(inline), len(refs))
	}
	if len(attachments) != 1 || attachments[0].FileName != filepath.Base(xlsx) || attachments[0].ContentType != XLSXContentType {
		t.Fatalf("attachments = %+v", attachments)
	}
	want, _ := os.ReadFile(xlsx)
	if !bytes.Equal(attachments[0].Body, want) {
		t.Errorf("attached workbook differs from the file")
	}
	if !strings.Contains(text, "关键指标") || !strings.Contains(text, "上海南京西路店") {
		t.Errorf("text alternative incomplete:\n%s", text)
	}
}

func TestComposeWorkbookOverCap(t *testing.T) {
	sc := testScorecard()
	xlsx := filepath.Join(t.TempDir(), "big.xlsx")
	if err := WriteXLSX(sc, xlsx); err != nil {
		t.Fatal(err)
	}
	m := fileMailer(t)
	m.AttachMaxBytes = 1000 // the workbook is ~20 KB
	msg, err := m.ComposeScorecard(sc, []string{"a@example.test"}, "{{.Title}} / {{.Period}}", xlsx)
	if err != nil {
		t.Fatal(err)
	}
	if len(msg.Attachments) != 0 {
		t.Errorf("workbook attached despite the cap")
	}
	abs, _ := filepath.Abs(xlsx)
	for name, body := range map[string]string{"text": msg.Text, "html": msg.HTML} {
		if !strings.Contains(body, abs) || !strings.Contains(body, "not attached") {
			t.Errorf("%s body does not say where to fetch the workbook (%s)", name, abs)
		}
	}
	if msg.Subject != "Strategy scorecard 战略看板 / 2025-12" {
		t.Errorf("subject = %q", msg.Subject)
	}
}

func TestDeliverWritesEML(t *testing.T) {
	m := fileMailer(t)
	sc := testScorecard()
	msg, err := m.ComposeScorecard(sc, []string{"east@example.test"}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	alert := AlertMessage([]string{"ops@example.test"}, "chain failed:\r\nBcc: x@evil.test", "job stitch failed", "error: boom")
	receipts, err := m.Deliver(context.Background(), []*Message{msg, alert})
	if err != nil {
		t.Fatal(err)
	}
	if len(receipts) != 2 {
		t.Fatalf("receipts = %+v", receipts)
	}
	for _, r := range receipts {
		raw, err := os.ReadFile(r.Path)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Dir(r.Path) != m.OutDir || filepath.Ext(r.Path) != ".eml" {
			t.Errorf("eml path %s not in %s", r.Path, m.OutDir)
		}
		h, parts := parseMIME(t, raw)
		if h.Header.Get("Bcc") != "" {
			t.Errorf("header injection through the subject")
		}
		if got := strings.Trim(h.Header.Get("Message-Id"), "<>"); got != r.MessageID {
			t.Errorf("Message-ID %q, receipt %q", got, r.MessageID)
		}
		if len(parts) == 0 {
			t.Errorf("%s has no parts", r.Path)
		}
	}
	if err := m.SendAlert(context.Background(), []string{"ops@example.test"}, "second alert", "line"); err != nil {
		t.Fatal(err)
	}
	if err := m.SendAlert(context.Background(), nil, "x"); err == nil {
		t.Error("alert without recipients accepted")
	}
}

func TestNewMailerCredentialsFromEnv(t *testing.T) {
	cfg := &config.Config{OutputDir: t.TempDir(), SMTP: &config.SMTP{Host: "smtp.example.test", Port: 587,
		From: "crm@example.test", UsernameEnv: "CRMKIT_TEST_SMTP_USER", PasswordEnv: "CRMKIT_TEST_SMTP_PASS"}}
	t.Setenv("CRMKIT_TEST_SMTP_USER", "robot")
	t.Setenv("CRMKIT_TEST_SMTP_PASS", "")
	_, err := NewMailer(cfg)
	if err == nil || !strings.Contains(err.Error(), "CRMKIT_TEST_SMTP_PASS") {
		t.Fatalf("missing password variable not reported: %v", err)
	}
	t.Setenv("CRMKIT_TEST_SMTP_PASS", "s3cret-value")
	m, err := NewMailer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if m.username != "robot" || m.password != "s3cret-value" || m.From != "crm@example.test" {
		t.Errorf("mailer = %+v", m)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestIsRetryable(t *testing.T) {
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"connection refused", fmt.Errorf("dial failed: %w", refused), true},
		{"connection reset", fmt.Errorf("write: %w", syscall.ECONNRESET), true},
		{"timeout", &net.OpError{Op: "read", Err: timeoutErr{}}, true},
		{"deadline", context.DeadlineExceeded, true},
		{"canceled", context.Canceled, false},
		{"eof", fmt.Errorf("read greeting: %w", io.EOF), true},
		{"421 service unavailable", &textproto.Error{Code: 421, Msg: "try later"}, true},
		{"451 local error", fmt.Errorf("rcpt: %w", &textproto.Error{Code: 451, Msg: "greylisted"}), true},
		{"550 no such user", &textproto.Error{Code: 550, Msg: "no such user"}, false},
		{"554 rejected", &textproto.Error{Code: 554, Msg: "rejected"}, false},
		{"auth 535", fmt.Errorf("dial failed: SMTP AUTH failed: %w", &textproto.Error{Code: 535, Msg: "bad credentials"}), false},
		{"auth 454 still permanent", fmt.Errorf("SMTP AUTH failed: %w", &textproto.Error{Code: 454, Msg: "temporary auth failure"}), false},
		{"auth unsupported", fmt.Errorf("dial failed: %w", gomail.ErrPlainAuthNotSupported), false},
		{"bad certificate", fmt.Errorf("tls: %w", x509.UnknownAuthorityError{}), false},
		{"dns not found", &net.DNSError{Err: "no such host", Name: "smtp.invalid", IsNotFound: true}, false},
		{"dns temporary", &net.DNSError{Err: "server misbehaving", Name: "smtp.example", IsTemporary: true}, true},
		{"unknown", errors.New("something odd"), false},
		{"failure retryable", &SendFailure{Retryable: true, Err: errors.New("x")}, true},
		{"failure permanent", &SendFailure{Retryable: false, Err: refused}, false},
		{"all retryable", errors.Join(&SendFailure{Retryable: true}, &SendFailure{Retryable: true}), true},
		{"one permanent", errors.Join(&SendFailure{Retryable: true}, &SendFailure{Retryable: false}), false},
	}
	for _, tc := range tests {
		if got := IsRetryable(tc.err); got != tc.want {
			t.Errorf("%s: IsRetryable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// fakeSMTP is a minimal SMTP server: it answers RCPT TO with rcptReply
// (e.g. "451 4.7.1 greylisted") and AUTH with authReply when set, and
// counts connections.
type fakeSMTP struct {
	ln        net.Listener
	rcptReply string
	authReply string
	conns     chan struct{}
	received  chan string
}

func startFakeSMTP(t *testing.T, rcptReply, authReply string) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, rcptReply: rcptReply, authReply: authReply, conns: make(chan struct{}, 100), received: make(chan string, 100)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.conns <- struct{}{}
			go f.serve(c)
		}
	}()
	return f
}

func (f *fakeSMTP) port() int { return f.ln.Addr().(*net.TCPAddr).Port }

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	w := func(s string) { _, _ = c.Write([]byte(s + "\r\n")) }
	w("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			if f.authReply != "" {
				w("250-fake")
				w("250 AUTH CRAM-MD5")
			} else {
				w("250 fake")
			}
		case strings.HasPrefix(cmd, "AUTH"):
			w(f.authReply)
		case strings.HasPrefix(cmd, "MAIL"):
			w("250 ok")
		case strings.HasPrefix(cmd, "RCPT"):
			w(f.rcptReply)
		case cmd == "DATA":
			w("354 go ahead")
			var msg strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				msg.WriteString(l)
			}
			f.received <- msg.String()
			w("250 queued")
		case cmd == "RSET", cmd == "NOOP":
			w("250 ok")
		case cmd == "QUIT":
			w("221 bye")
			return
		default:
			w("502 unknown")
		}
	}
}

func smtpMailer(port int) *Mailer {
	return &Mailer{SMTP: &config.SMTP{Host: "127.0.0.1", Port: port, TLS: "none", From: "crm@example.test"},
		Attempts: 3, Backoff: 10 * time.Millisecond, Timeout: 5 * time.Second, Log: discardLogger()}
}

func TestDeliverRetryAndPermanent(t *testing.T) {
	ctx := context.Background()
	msg := func() []*Message {
		return []*Message{{To: []string{"a@example.test"}, Subject: "s", Text: "hello"}}
	}
	t.Run("4xx retried then reported retryable", func(t *testing.T) {
		f := startFakeSMTP(t, "451 4.7.1 greylisted, try later", "")
		_, err := smtpMailer(f.port()).Deliver(ctx, msg())
		var sf *SendFailure
		t.Logf("4xx error: %v", err)
		if !errors.As(err, &sf) || sf.Attempts != 3 || !IsRetryable(err) {
			t.Fatalf("err = %v (failure %+v), want retryable after 3 attempts", err, sf)
		}
		if n := len(f.conns); n != 3 {
			t.Errorf("%d connections, want 3", n)
		}
	})
	t.Run("5xx permanent, not retried", func(t *testing.T) {
		f := startFakeSMTP(t, "550 5.1.1 no such user", "")
		_, err := smtpMailer(f.port()).Deliver(ctx, msg())
		var sf *SendFailure
		if !errors.As(err, &sf) || sf.Attempts != 1 || IsRetryable(err) {
			t.Fatalf("err = %v (failure %+v), want permanent after 1 attempt", err, sf)
		}
	})
	t.Run("auth failure permanent", func(t *testing.T) {
		f := startFakeSMTP(t, "250 ok", "535 5.7.8 authentication failed")
		m := smtpMailer(f.port())
		var logs bytes.Buffer
		m.Log = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
		m.SetCredentials("robot", "wrong-password")
		_, err := m.Deliver(ctx, msg())
		if err == nil || IsRetryable(err) {
			t.Fatalf("err = %v, want permanent", err)
		}
		t.Logf("auth error: %v", err)
		if strings.Contains(err.Error(), "wrong-password") || strings.Contains(logs.String(), "wrong-password") {
			t.Errorf("password in error or log: %v\n%s", err, logs.String())
		}
		if n := len(f.conns); n != 1 {
			t.Errorf("%d connections, want 1", n)
		}
	})
	t.Run("connection refused retryable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		m := smtpMailer(port)
		m.Attempts = 2
		_, err = m.Deliver(ctx, msg())
		var sf *SendFailure
		if !errors.As(err, &sf) || sf.Attempts != 2 || !IsRetryable(err) {
			t.Fatalf("err = %v (failure %+v), want retryable after 2 attempts", err, sf)
		}
	})
	t.Run("success", func(t *testing.T) {
		f := startFakeSMTP(t, "250 ok", "")
		receipts, err := smtpMailer(f.port()).Deliver(ctx, msg())
		if err != nil || len(receipts) != 1 || receipts[0].Attempts != 1 {
			t.Fatalf("receipts %+v, err %v", receipts, err)
		}
		if body := <-f.received; !strings.Contains(body, "hello") {
			t.Errorf("server received %q", body)
		}
	})
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
