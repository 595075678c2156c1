package reports

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"

	mail "github.com/wneessen/go-mail"

	"github.com/crmkit/crmkit/config"
	"github.com/crmkit/crmkit/internal/retry"
)

// Sending: .eml files without SMTP; with SMTP, rounds of retries on a fresh
// connection, never sending an accepted message twice.

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
			name = config.FileStem(msg.Subject)
			if len(msg.To) > 0 {
				name += "_" + config.FileStem(msg.To[0])
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
