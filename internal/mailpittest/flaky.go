package mailpittest

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Refusal is how a Front answers RCPT TO for one recipient: with Code
// (e.g. 451 or 550) the first Times times (Times < 0: always), then by
// passing the command on to mailpit.
type Refusal struct {
	Code  int
	Times int
}

// Front is an SMTP relay in front of a mailpit server that refuses chosen
// recipients at RCPT TO a set number of times and passes everything else
// through unchanged, so a test can reproduce a server answering 451 once
// and then accepting. (Mailpit's own chaos triggers fail at a rate, not a
// count, so they cannot give "exactly once".)
type Front struct {
	Port int

	mu       sync.Mutex
	refuse   map[string]*Refusal
	refusals map[string]int
}

// Front starts a relay to s on a free loopback port, stopped when the test
// ends. Recipients are matched case-insensitively.
func (s *Server) Front(t testing.TB, refuse map[string]Refusal) *Front {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &Front{Port: ln.Addr().(*net.TCPAddr).Port, refuse: map[string]*Refusal{}, refusals: map[string]int{}}
	for k, v := range refuse {
		v := v
		f.refuse[strings.ToLower(k)] = &v
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	upstream := "127.0.0.1:" + strconv.Itoa(s.SMTPPort)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				if err := f.relay(c, upstream); err != nil && err != io.EOF {
					t.Logf("smtp front: %v", err)
				}
			}()
		}
	}()
	return f
}

// Refusals returns how often recipient was refused.
func (f *Front) Refusals(recipient string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refusals[strings.ToLower(recipient)]
}

// refusal returns the code to answer RCPT TO for addr with, or 0 to pass it on.
func (f *Front) refusal(addr string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	addr = strings.ToLower(addr)
	r := f.refuse[addr]
	if r == nil || r.Times == 0 {
		return 0
	}
	if r.Times > 0 {
		r.Times--
	}
	f.refusals[addr]++
	return r.Code
}

func (f *Front) relay(client net.Conn, upstream string) error {
	up, err := net.Dial("tcp", upstream)
	if err != nil {
		return err
	}
	defer up.Close()
	cr, ur := bufio.NewReader(client), bufio.NewReader(up)
	// passReply copies one (possibly multi-line) reply from mailpit.
	passReply := func() (int, error) {
		for {
			l, err := ur.ReadString('\n')
			if err != nil {
				return 0, err
			}
			if _, err := io.WriteString(client, l); err != nil {
				return 0, err
			}
			if len(l) >= 4 && l[3] == ' ' {
				return strconv.Atoi(l[:3])
			}
		}
	}
	if _, err := passReply(); err != nil { // greeting
		return err
	}
	for {
		line, err := cr.ReadString('\n')
		if err != nil {
			return err
		}
		cmd := strings.ToUpper(line)
		if strings.HasPrefix(cmd, "RCPT TO:") {
			addr := strings.Trim(strings.TrimSpace(line[len("RCPT TO:"):]), "<>")
			if i := strings.Index(addr, ">"); i >= 0 {
				addr = addr[:i]
			}
			if code := f.refusal(addr); code != 0 {
				if _, err := fmt.Fprintf(client, "%d %d.0.0 refused by the test front for %s\r\n", code, code/100, addr); err != nil {
					return err
				}
				continue
			}
		}
		if _, err := io.WriteString(up, line); err != nil {
			return err
		}
		code, err := passReply()
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(cmd, "DATA") && code == 354:
			for { // the message, up to the lone dot
				l, err := cr.ReadString('\n')
				if err != nil {
					return err
				}
				if _, err := io.WriteString(up, l); err != nil {
					return err
				}
				if l == ".\r\n" || l == ".\n" {
					break
				}
			}
			if _, err := passReply(); err != nil {
				return err
			}
		case strings.HasPrefix(cmd, "QUIT"):
			return nil
		}
	}
}
