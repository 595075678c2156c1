package mailpittest

import (
	"net/smtp"
	"strconv"
	"strings"
	"testing"
)

// TestStartBuildsFromToolsModule starts mailpit from tools/go.mod, delivers
// one message over plain SMTP and reads it back through the HTTP API.
func TestStartBuildsFromToolsModule(t *testing.T) {
	s := Start(t)
	msg := "From: a@example.com\r\nTo: b@example.com\r\nSubject: tools module\r\n\r\nhello from the test\r\n"
	if err := smtp.SendMail("127.0.0.1:"+strconv.Itoa(s.SMTPPort), nil, "a@example.com", []string{"b@example.com"}, []byte(msg)); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := s.Messages(t)
	if len(got) != 1 || got[0].Subject != "tools module" || len(got[0].To) != 1 || got[0].To[0].Address != "b@example.com" {
		t.Fatalf("messages = %+v, want one \"tools module\" to b@example.com", got)
	}
	if text := s.Text(t, got[0].ID); !strings.Contains(text, "hello from the test") {
		t.Fatalf("text = %q, want the body", text)
	}
}
