package userpool

import (
	"context"
	"fmt"
	"net"
	"net/smtp"
	"net/url"
	"strings"
	"time"
)

// SMTPOutbox delivers codes by email through an SMTP server. SMS
// destinations are not delivered (no SMS gateway); they are logged.
type SMTPOutbox struct {
	// Addr is host:port; From the sender address.
	Addr, From string
	// Username and Password authenticate with PLAIN (over TLS, or to
	// localhost) when set.
	Username, Password string
	Fallback           Outbox // receives what SMTP cannot carry (SMS)
}

// ParseSMTPURL reads smtp://[user:pass@]host:port?from=sender.
func ParseSMTPURL(raw string) (*SMTPOutbox, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "smtp" || u.Host == "" {
		return nil, fmt.Errorf("smtp url: want smtp://[user:pass@]host:port?from=address")
	}
	o := &SMTPOutbox{Addr: u.Host, From: u.Query().Get("from")}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		o.Addr = net.JoinHostPort(u.Host, "25")
	}
	if u.User != nil {
		o.Username = u.User.Username()
		o.Password, _ = u.User.Password()
	}
	if o.From == "" {
		return nil, fmt.Errorf("smtp url: the from= parameter is required")
	}
	return o, nil
}

// Send implements Outbox.
func (o *SMTPOutbox) Send(ctx context.Context, m Message) error {
	if m.Medium != "EMAIL" || !strings.Contains(m.Destination, "@") {
		if o.Fallback != nil {
			return o.Fallback.Send(ctx, m)
		}
		return nil
	}
	subject, body := "Your verification code", "Your verification code is "+m.Code+"."
	switch m.Purpose {
	case "ForgotPassword":
		subject, body = "Your password reset code", "Your password reset code is "+m.Code+"."
	case "AdminCreateUser":
		subject, body = "Your temporary password", "Your username is "+m.Username+" and temporary password is "+m.Password+"."
	}
	if m.Subject != "" {
		subject = m.Subject
	}
	if m.Body != "" {
		body = m.Body
	}
	msg := "From: " + o.From + "\r\nTo: " + m.Destination + "\r\nSubject: " + subject + "\r\nDate: " + m.Time.Format(time.RFC1123Z) +
		"\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + body + "\r\n"
	var a smtp.Auth
	if o.Username != "" {
		host, _, _ := net.SplitHostPort(o.Addr)
		a = smtp.PlainAuth("", o.Username, o.Password, host)
	}
	return smtp.SendMail(o.Addr, a, o.From, []string{m.Destination}, []byte(msg))
}
