package reports

import (
	"fmt"
	"strings"
)

// Msg is a sentence of the message catalogue (messages): the builders
// (jobs/publish) write their section notes, definitions and reasons as
// Msgs, and the renderers show them in the scorecard's language, so one
// scorecard built once can be delivered in Chinese and in English. Args
// fill the verbs of the catalogue text; an Arg that is a Msg is shown in
// the same language, anything else (a period, a region, a number) as it is.
//
// A Key that is not in messages but is a label (labels.go: a KPI key, a
// heading) shows that label.
type Msg struct {
	Key  string
	Args []any
}

// M is the message key with args.
func M(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// IsZero reports whether m is no message.
func (m Msg) IsZero() bool { return m.Key == "" }

// In is the message in lang ("zh" or "en"; anything else is Chinese).
func (m Msg) In(lang string) string {
	if m.Key == "" {
		return ""
	}
	if lang != LangEN {
		lang = LangZH
	}
	l, ok := messages[m.Key]
	if !ok {
		if l, ok := labels[m.Key]; ok && len(m.Args) == 0 {
			return l.pick(lang)
		}
		// A programming error TestMessagesKnown catches; shown, not hidden.
		return "[" + m.Key + "]"
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch x := a.(type) {
		case Msg:
			args[i] = x.In(lang)
		case []Msg:
			parts := make([]string, len(x))
			for j, p := range x {
				parts[j] = p.In(lang)
			}
			args[i] = strings.Join(parts, listSep(lang))
		default:
			args[i] = a
		}
	}
	if len(args) == 0 {
		return l.pick(lang)
	}
	return fmt.Sprintf(l.pick(lang), args...)
}

// MsgKnown reports whether key is in the catalogue (or is a label).
func MsgKnown(key string) bool {
	_, ok := messages[key]
	_, lok := labels[key]
	return ok || lok
}

// Join shows msgs one after another as one paragraph.
func Join(lang string, msgs []Msg) string {
	parts := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if s := m.In(lang); s != "" {
			parts = append(parts, s)
		}
	}
	sep := " "
	if lang != LangEN {
		sep = ""
	}
	return strings.Join(parts, sep)
}

func listSep(lang string) string {
	if lang == LangEN {
		return ", "
	}
	return "、"
}

// CatalogueEN is every English catalogue text (format verbs included), for
// tests that check a Chinese delivery holds none of them.
func CatalogueEN() map[string]string {
	out := make(map[string]string, len(messages))
	for k, l := range messages {
		out[k] = l.en
	}
	return out
}

// messages is the catalogue of the builders' sentences, in Chinese and
// English. Each text ends with its own punctuation; fmt verbs take the
// Msg's Args in order.
var messages = map[string]label{
	// same period last year
	"yoy.na":      {"—（%s）", "n/a (%s)"},
	"yoy.nodata":  {"%s 无数据", "no data for %s"},
	"yoy.partial": {"数据自 %[2]s 起，不含完整的 %[1]s", "history starts %[2]s, after the start of %[1]s"},
	"yoy.failed":  {"%s 的数据未能读取", "%s could not be read"},
	"yoy.zero":    {"%s 为 0", "%s was 0"},
}
