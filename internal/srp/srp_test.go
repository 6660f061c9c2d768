package srp

import (
	"math/big"
	"testing"
	"time"
)

func TestRoundTrip(t *testing.T) {
	salt, v := NewVerifier("AbC123", "alice", "Passw0rd!")
	for i := 0; i < 20; i++ {
		c := NewClient()
		b, B := ServerStart(v)
		A, _ := new(big.Int).SetString(c.AHex(), 16)
		ks, err := ServerKey(A, B, b, v)
		if err != nil {
			t.Fatal(err)
		}
		kc, err := c.Key("AbC123", "alice", "Passw0rd!", salt.Text(16), B.Text(16))
		if err != nil {
			t.Fatal(err)
		}
		ts := Timestamp(time.Date(2017, 4, 5, 22, 42, 34, 0, time.UTC))
		sig := Signature(kc, "AbC123", "alice", []byte("block"), ts)
		if !VerifySignature(ks, "AbC123", "alice", []byte("block"), ts, sig) {
			t.Fatal("signature does not verify")
		}
		wrong, _ := c.Key("AbC123", "alice", "wrong", salt.Text(16), B.Text(16))
		if VerifySignature(ks, "AbC123", "alice", []byte("block"), ts, Signature(wrong, "AbC123", "alice", []byte("block"), ts)) {
			t.Fatal("a wrong password verifies")
		}
	}
	if _, err := ServerKey(new(big.Int).Set(N), big.NewInt(5), big.NewInt(7), v); err != ErrBadA {
		t.Errorf("A = N: %v", err)
	}
}

func TestTimestamp(t *testing.T) {
	if got := Timestamp(time.Date(2017, 4, 5, 22, 42, 34, 0, time.UTC)); got != "Wed Apr 5 22:42:34 UTC 2017" {
		t.Errorf("Timestamp = %q", got)
	}
	if got := Timestamp(time.Date(2026, 11, 21, 9, 3, 2, 0, time.UTC)); got != "Sat Nov 21 09:03:02 UTC 2026" {
		t.Errorf("Timestamp = %q", got)
	}
	if c, ok := ParseTimestamp("Wed Apr 5 22:42:34 UTC 2017"); !ok || c != "Wed Apr 5 22:42:34 UTC 2017" {
		t.Errorf("ParseTimestamp canonical = %q %v", c, ok)
	}
	if c, ok := ParseTimestamp("Wed Apr 05 22:42:34 UTC 2017"); !ok || c == "Wed Apr 05 22:42:34 UTC 2017" {
		t.Errorf("zero-padded day re-renders canonically: %q %v", c, ok)
	}
	if _, ok := ParseTimestamp("2017-04-05T22:42:34Z"); ok {
		t.Error("ISO timestamp accepted")
	}
}

func TestPadHex(t *testing.T) {
	for _, c := range []struct {
		v    int64
		want string
	}{{0, "00"}, {1, "01"}, {0x7f, "7f"}, {0x80, "0080"}, {0x1234, "1234"}, {0xff00, "00ff00"}} {
		if got := new(big.Int).SetBytes(PadHex(big.NewInt(c.v))).Text(16); len(PadHex(big.NewInt(c.v)))*2 != len(c.want) || got != new(big.Int).SetInt64(c.v).Text(16) {
			t.Errorf("PadHex(%x) = %x, want %s", c.v, PadHex(big.NewInt(c.v)), c.want)
		}
	}
}
