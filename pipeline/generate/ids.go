package generate

import (
	"math/bits"
	"math/rand/v2"
	"strings"
)

// scrambler is an affine bijection on [0, m): x -> (a*x + b) mod m with
// gcd(a, m) = 1. It turns a person's index into an identifier that looks
// random yet can never collide with another person's.
type scrambler struct{ a, b, m uint64 }

func gcd(a, b uint64) uint64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func newScrambler(r *rand.Rand, m uint64) scrambler {
	for {
		a := r.Uint64N(m-1) + 1
		if gcd(a, m) == 1 {
			return scrambler{a: a, b: r.Uint64N(m), m: m}
		}
	}
}

func (s scrambler) at(x uint64) uint64 {
	hi, lo := bits.Mul64(s.a, x%s.m)
	v := bits.Rem64(hi, lo, s.m)
	v += s.b
	if v >= s.m || v < s.b {
		v -= s.m
	}
	return v
}

// Mobile prefixes of mainland Chinese carriers.
var mobilePrefixes = []string{"130", "131", "132", "133", "134", "135", "136", "137", "138", "139",
	"150", "151", "152", "153", "155", "156", "157", "158", "159", "166", "170", "173", "176", "177",
	"178", "180", "181", "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199"}

// Phone spellings. Every spelling normalises to the same 11 digits.
const (
	phPlain     = iota // 13812345678
	phIntlSpace        // +86 138 1234 5678
	phZeroZero         // 0086-138-1234-5678
	ph86Space          // 86 13812345678
	phParen            // (+86)13812345678
	phPlus             // +8613812345678
	phDashes           // 138-1234-5678
	phSpaces           // 138 1234 5678
	nPhoneSpellings
)

func appendPhone(dst []byte, d *[11]byte, spelling int) []byte {
	switch spelling {
	case phIntlSpace:
		dst = append(dst, "+86 "...)
		dst = append(dst, d[0:3]...)
		dst = append(dst, ' ')
		dst = append(dst, d[3:7]...)
		dst = append(dst, ' ')
		return append(dst, d[7:11]...)
	case phZeroZero:
		dst = append(dst, "0086-"...)
		dst = append(dst, d[0:3]...)
		dst = append(dst, '-')
		dst = append(dst, d[3:7]...)
		dst = append(dst, '-')
		return append(dst, d[7:11]...)
	case ph86Space:
		dst = append(dst, "86 "...)
	case phParen:
		dst = append(dst, "(+86)"...)
	case phPlus:
		dst = append(dst, "+86"...)
	case phDashes, phSpaces:
		sep := byte('-')
		if spelling == phSpaces {
			sep = ' '
		}
		dst = append(dst, d[0:3]...)
		dst = append(dst, sep)
		dst = append(dst, d[3:7]...)
		dst = append(dst, sep)
		return append(dst, d[7:11]...)
	}
	return append(dst, d[:]...)
}

// NormalizePhone reduces a Chinese mobile number in any of the spellings the
// generator writes to its 11 digits; ok is false for anything else (e.g.
// landlines and 400 numbers). It is the reference the truth files follow.
func NormalizePhone(s string) (string, bool) {
	var b [32]byte
	d := b[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if len(d) == cap(d) {
				return "", false
			}
			d = append(d, c)
		case c == ' ' || c == '-' || c == '+' || c == '(' || c == ')':
		default:
			return "", false
		}
	}
	switch {
	case len(d) == 15 && string(d[:4]) == "0086":
		d = d[4:]
	case len(d) == 13 && string(d[:2]) == "86":
		d = d[2:]
	}
	if len(d) != 11 || d[0] != '1' || d[1] < '3' {
		return "", false
	}
	return string(d), true
}

// Email spellings: the same address as typed in different systems.
const (
	emLower    = iota // zhangwei@163.com
	emUpperDom        // zhangwei@163.COM
	emUpper           // ZHANGWEI@163.COM
	emSpaces          // " zhangwei@163.com "
	emTrailing        // "zhangwei@163.com "
	nEmailSpellings
)

func appendEmail(dst []byte, addr string, spelling int) []byte {
	switch spelling {
	case emUpperDom:
		at := strings.IndexByte(addr, '@')
		dst = append(dst, addr[:at+1]...)
		for i := at + 1; i < len(addr); i++ {
			dst = append(dst, upper(addr[i]))
		}
		return dst
	case emUpper:
		for i := 0; i < len(addr); i++ {
			dst = append(dst, upper(addr[i]))
		}
		return dst
	case emSpaces:
		dst = append(dst, ' ')
		dst = append(dst, addr...)
		return append(dst, ' ')
	case emTrailing:
		dst = append(dst, addr...)
		return append(dst, ' ')
	}
	return append(dst, addr...)
}

func upper(c byte) byte {
	if c >= 'a' && c <= 'z' {
		return c - 32
	}
	return c
}

const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// appendB64 appends the low 6*n bits of v as n base64url characters.
func appendB64(dst []byte, v uint64, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, b64[(v>>(6*uint(i)))&63])
	}
	return dst
}

const b36 = "0123456789abcdefghijklmnopqrstuvwxyz"

func appendB36(dst []byte, v uint64, n int) []byte {
	var b [16]byte
	for i := n - 1; i >= 0; i-- {
		b[i] = b36[v%36]
		v /= 36
	}
	return append(dst, b[:n]...)
}

// idGen turns person indexes into identifiers; all bijective, so two people
// never share an identifier by accident.
type idGen struct {
	phone, card, shopify, jd, qq, emailNum, weibo scrambler
	openid, mini, union, nick                     scrambler
	openidApp, miniApp, unionApp                  string
}

func newIDGen(r *rand.Rand) *idGen {
	g := &idGen{
		phone:    newScrambler(r, 1e8),
		card:     newScrambler(r, 1e8),
		shopify:  newScrambler(r, 1e12),
		jd:       newScrambler(r, 3656158440062976), // 36^10
		qq:       newScrambler(r, 1e9),
		emailNum: newScrambler(r, 1e8),
		weibo:    newScrambler(r, 1e9),
		openid:   newScrambler(r, 1<<36),
		mini:     newScrambler(r, 1<<36),
		union:    newScrambler(r, 1<<36),
		nick:     newScrambler(r, 1e8),
	}
	app := func(first byte) string {
		b := []byte{'o', first}
		return string(appendB64(b, r.Uint64(), 3))
	}
	g.openidApp, g.miniApp, g.unionApp = app('W'), app('M'), app('6')
	return g
}
