package userpool

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Message is a verification or reset code sent to a user.
type Message struct {
	Time        time.Time `json:"time"`
	UserPoolId  string    `json:"userPoolId"`
	Username    string    `json:"username"`
	Destination string    `json:"destination"`
	Medium      string    `json:"medium"`  // EMAIL or SMS
	Purpose     string    `json:"purpose"` // SignUp, ResendCode, ForgotPassword, UpdateAttribute, VerifyAttribute, AdminCreateUser, MFA, SignIn
	Code        string    `json:"code,omitempty"`
	Password    string    `json:"temporaryPassword,omitempty"`
	// Subject and Body are the message as the pool words it (sign-in
	// codes); empty for messages a sender words itself.
	Subject string `json:"subject,omitempty"`
	Body    string `json:"body,omitempty"`
}

// Outbox delivers messages to users. It is also the hook for a real SMS
// sender: an Outbox that sends Medium "SMS" messages through a gateway
// (and passes the rest on) delivers SMS MFA and one-time sign-in codes.
type Outbox interface {
	Send(ctx context.Context, m Message) error
}

// FileOutbox appends messages as JSON lines to a file in the data dir and
// logs them, so a developer (and a test) can read codes without a mail
// server.
type FileOutbox struct {
	Path string
	Log  *slog.Logger
	mu   sync.Mutex
}

// Send implements Outbox.
func (o *FileOutbox) Send(_ context.Context, m Message) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(o.Path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(o.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chmod(0o600); err != nil { // codes: for the operator's eyes only
		return err
	}
	b, _ := json.Marshal(m)
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	if o.Log != nil {
		// The code itself only at debug level: logs travel further than
		// the outbox file.
		o.Log.Info("cognito message (outbox)", "pool", m.UserPoolId, "user", m.Username, "purpose", m.Purpose, "file", o.Path)
		o.Log.Debug("cognito message code (outbox)", "pool", m.UserPoolId, "user", m.Username, "to", m.Destination, "purpose", m.Purpose, "code", m.Code)
	}
	return f.Sync()
}
