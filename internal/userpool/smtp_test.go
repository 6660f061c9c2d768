package userpool

import (
	"bufio"
	"context"
	"net"
	"strings"
	"testing"
	"time"
)

// fakeSMTP accepts one message and returns its DATA.
func fakeSMTP(t *testing.T) (addr string, got chan string) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	got = make(chan string, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		r := bufio.NewReader(c)
		say := func(s string) { c.Write([]byte(s + "\r\n")) }
		say("220 fake")
		var data strings.Builder
		inData := false
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			if inData {
				if line == ".\r\n" {
					inData = false
					got <- data.String()
					say("250 ok")
					continue
				}
				data.WriteString(line)
				continue
			}
			switch cmd := strings.ToUpper(strings.Fields(line + " x")[0]); cmd {
			case "EHLO", "HELO":
				say("250 fake")
			case "DATA":
				inData = true
				say("354 go")
			case "QUIT":
				say("221 bye")
				return
			default:
				say("250 ok")
			}
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), got
}

func TestSMTPOutbox(t *testing.T) {
	addr, got := fakeSMTP(t)
	o, err := ParseSMTPURL("smtp://" + addr + "?from=noreply@sekisho.test")
	if err != nil {
		t.Fatal(err)
	}
	err = o.Send(context.Background(), Message{Time: time.Now(), Destination: "kumi@example.com", Medium: "EMAIL", Purpose: "SignUp", Code: "123456"})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-got:
		if !strings.Contains(msg, "To: kumi@example.com") || !strings.Contains(msg, "123456") {
			t.Errorf("message: %s", msg)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no message")
	}
	if _, err := ParseSMTPURL("smtp://host:25"); err == nil {
		t.Error("missing from= accepted")
	}
}
