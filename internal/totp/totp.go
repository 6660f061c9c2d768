// Package totp is RFC 6238's time-based one-time passwords as
// authenticator apps make them: HMAC-SHA1, six digits, 30-second steps.
// It serves Cognito's software-token MFA and IAM's virtual MFA devices.
package totp

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"time"
)

// Step is the length of a time step, in seconds.
const Step = 30

// Code is the code for a time step.
func Code(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	m := hmac.New(sha1.New, secret)
	m.Write(msg[:])
	h := m.Sum(nil)
	off := h[len(h)-1] & 0xf
	v := binary.BigEndian.Uint32(h[off:off+4]) & 0x7fffffff
	return fmt.Sprintf("%06d", v%1000000)
}

// Match finds the step, one either side of now's, whose code is code: 0
// when none is. Every candidate is compared, in constant time.
func Match(secret []byte, code string, now time.Time) int64 {
	cur := now.Unix() / Step
	var found int64
	for st := cur - 1; st <= cur+1; st++ {
		if hmac.Equal([]byte(Code(secret, st)), []byte(code)) && found == 0 {
			found = st
		}
	}
	return found
}
