package reports

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	mail "github.com/wneessen/go-mail"
)

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
