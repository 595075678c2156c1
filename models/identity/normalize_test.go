package identity

import (
	"strings"
	"testing"
)

func TestNormalizePhone(t *testing.T) {
	cases := []struct {
		name, raw, region string
		want              string // "" = invalid
	}{
		// the five spellings of one Chinese mobile (fast path)
		{"bare 11 digits", "13812345678", "CN", "+8613812345678"},
		{"+86 with spaces", "+86 138 1234 5678", "CN", "+8613812345678"},
		{"0086 with dashes", "0086-138-1234-5678", "CN", "+8613812345678"},
		{"86 prefix with space", "86 13812345678", "CN", "+8613812345678"},
		{"(+86) in parentheses", "(+86)13812345678", "CN", "+8613812345678"},
		{"+86 no separator", "+8613812345678", "CN", "+8613812345678"},
		{"+86-dashes", "+86-138-1234-5678", "CN", "+8613812345678"},
		{"3-4-4 dashes", "138-1234-5678", "CN", "+8613812345678"},
		{"dots", "138.1234.5678", "CN", "+8613812345678"},
		{"surrounding spaces and tab", "  138 1234 5678\t", "CN", "+8613812345678"},
		{"full-width digits", "１３８１２３４５６７８", "CN", "+8613812345678"},
		{"full-width plus and parens", "（＋８６）１３８１２３４５６７８", "CN", "+8613812345678"},
		{"newer 19x mobile", "199 1234 5678", "CN", "+8619912345678"},
		{"+86 mobile with other default region", "+86 138 1234 5678", "US", "+8613812345678"},
		// landlines and service numbers keep their country code (slow path)
		{"Shanghai landline", "021-6234 5678", "CN", "+862162345678"},
		{"Beijing landline", "010 12345678", "CN", "+861012345678"},
		{"Shenzhen landline", "0755-88888888", "CN", "+8675588888888"},
		{"landline with +86", "+86 21 6234 5678", "CN", "+862162345678"},
		{"landline with 0086", "0086 21 62345678", "CN", "+862162345678"},
		{"landline +86 (0)21", "+86 (0)21 6234 5678", "CN", "+862162345678"},
		{"400 service number", "400-820-8820", "CN", "+864008208820"},
		{"400 number without separators", "4008208820", "CN", "+864008208820"},
		{"800 number", "800-820-8820", "CN", "+868008208820"},
		// foreign numbers
		{"US number with +1", "+1 415 555 2671", "CN", "+14155552671"},
		{"US number in US region", "(415) 555-2671", "US", "+14155552671"},
		{"Hong Kong mobile", "+852 9123 4567", "CN", "+85291234567"},
		{"UK landline", "+44 20 7946 0958", "CN", "+442079460958"},
		// invalid
		{"empty", "", "CN", ""},
		{"only spaces", "   ", "CN", ""},
		{"too short", "138123", "CN", ""},
		{"10-digit mobile", "1381234567", "CN", ""},
		{"+86 with 10 digits", "+86 1381234567", "CN", ""},
		{"12 digits", "138123456789", "CN", ""},
		{"letters", "138-1234-567a", "CN", ""},
		{"letter l for 1", "l3812345678", "CN", ""},
		{"ext suffix", "138 1234 5678 ext 12", "CN", ""},
		{"not a mobile prefix", "12345678901", "CN", ""},
		{"all zeros", "00000000000", "CN", ""},
		{"two plus signs", "++8613812345678", "CN", ""},
		{"plus in the middle", "138+12345678", "CN", ""},
		{"short code 10086", "10086", "CN", ""},
		{"two numbers", "13812345678;13912345678", "CN", ""},
		{"bare mobile outside CN is read as a local number", "13812345678", "US", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := NormalizePhone(c.raw, c.region)
			if ok != (c.want != "") || got != c.want {
				t.Errorf("NormalizePhone(%q, %q) = %q, %v; want %q", c.raw, c.region, got, ok, c.want)
			}
		})
	}
	if len(cases) < 25 {
		t.Fatalf("only %d phone cases", len(cases))
	}
}

func TestNormalizePhoneEmptyRegionIsCN(t *testing.T) {
	if got, ok := NormalizePhone("13812345678", ""); !ok || got != "+8613812345678" {
		t.Fatalf("got %q %v", got, ok)
	}
}

func TestNormalizeEmail(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"foo@example.com", "foo@example.com"},
		{"  Foo.Bar@Example.COM \t", "foo.bar@example.com"},
		{"USER+tag@Gmail.com", "user+tag@gmail.com"},
		{"mailto:X@Y.CN", "x@y.cn"},
		{"ｆｏｏ＠ｅｘａｍｐｌｅ．ｃｏｍ", "foo@example.com"},
		{"\u00a0a.b@sub.domain.com.cn\u200b", "a.b@sub.domain.com.cn"},
		{"Ünïcode@Example.de", "ünïcode@example.de"},
		{"名字@例子.中国", "名字@例子.中国"},
		{"", ""},
		{"   ", ""},
		{"no-at-sign.com", ""},
		{"a@b", ""},
		{"@example.com", ""},
		{"foo@", ""},
		{"a@@b.com", ""},
		{"a@b@c.com", ""},
		{"a b@c.com", ""},
		{"a@b..com", ""},
		{"a@.b.com", ""},
		{"a@b.com.", "a@b.com"},
		{"a@b.c", ""},
		{"a,b@c.com", ""},
		{"null", ""},
	}
	for _, c := range cases {
		got, ok := NormalizeEmail(c.raw)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", c.raw, got, ok, c.want)
		}
	}
}

func TestNormalizeID(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"M000123", "M000123"},
		{"  M000123\t", "M000123"},
		{"oAbC_dEf-123", "oAbC_dEf-123"}, // case kept
		{"ＶＩＰ８８８", "VIP888"},
		{"8888", "8888"},
		{"66", "66"},
		{"", ""},
		{"   ", ""},
		{"0", ""},
		{"7", "7"},
		{"0000", ""},
		{"-----", ""},
		{"xxxxxx", ""},
		{"00000000-0000-0000-0000-000000000000", ""},
		{"NULL", ""},
		{"n/a", ""},
		{"undefined", ""},
		{"未知", ""},
		{"a\x01b", ""},
	}
	for _, c := range cases {
		got, ok := NormalizeID(c.raw)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("NormalizeID(%q) = %q, %v; want %q", c.raw, got, ok, c.want)
		}
	}
}

func TestNormalizeBuyerID(t *testing.T) {
	cases := []struct{ raw, want string }{
		{"tmall:tb123", "tmall:tb123"},
		{" JD : jd_77 ", "jd:jd_77"},
		{"tmall:", ""},
		{"tmall:null", ""},
		{":abc", ""},
		{"plain42", "plain42"},
	}
	for _, c := range cases {
		got, ok := NormalizeBuyerID(c.raw)
		if ok != (c.want != "") || got != c.want {
			t.Errorf("NormalizeBuyerID(%q) = %q, %v; want %q", c.raw, got, ok, c.want)
		}
	}
}

func TestNormalizeByType(t *testing.T) {
	if v, ok := Normalize(IDPhone, "(+86)13812345678", "CN"); !ok || v != "+8613812345678" {
		t.Errorf("phone: %q %v", v, ok)
	}
	if v, ok := Normalize(IDEmail, " A@B.CO ", ""); !ok || v != "a@b.co" {
		t.Errorf("email: %q %v", v, ok)
	}
	if _, ok := Normalize("fax", "123", ""); ok {
		t.Error("unknown type accepted")
	}
}

func BenchmarkNormalizePhoneFast(b *testing.B) {
	raws := []string{"13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "(+86)13812345678"}
	buf := make([]byte, 0, 32)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf, _ = appendPhone(buf[:0], raws[i&3], "CN", nil)
	}
}

// TestTrimSpace: the fast path of trimSpace returns exactly what
// strings.TrimFunc(s, isTrim) returns.
func TestTrimSpace(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"printable ends", "a b", "a b"},
		{"one char", "x", "x"},
		{"ascii spaces", "  13812345678\t", "13812345678"},
		{"newline end", "VIP-1\n", "VIP-1"},
		{"no-break space", "\u00a0abc\u00a0", "abc"},
		{"zero-width and BOM", "\ufeff\u200babc\u200d", "abc"},
		{"ideographic space", "\u3000张伟\u3000", "张伟"},
		{"CJK ends kept", "张伟", "张伟"},
		{"DEL is not trimmed", "\x7fa\x7f", "\x7fa\x7f"},
		{"only spaces", " \t ", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := trimSpace(c.in); got != c.want {
				t.Errorf("trimSpace(%q) = %q, want %q", c.in, got, c.want)
			}
			if got := strings.TrimFunc(c.in, isTrim); got != c.want {
				t.Errorf("strings.TrimFunc(%q, isTrim) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzTrimSpace(f *testing.F) {
	for _, s := range []string{"", " a ", "\u00a0x", "x\u200b", "\x7f", "a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := trimSpace(s), strings.TrimFunc(s, isTrim); got != want {
			t.Fatalf("trimSpace(%q) = %q, TrimFunc = %q", s, got, want)
		}
	})
}
