// Package srp is Cognito's variant of the SRP-6a password protocol (the
// USER_SRP_AUTH → PASSWORD_VERIFIER sign-in), byte-compatible with
// amazon-cognito-identity-js, Amplify JS and pycognito:
//
//   - N is RFC 3526's 3072-bit group, g = 2, H = SHA-256;
//   - k = H(padHex(N) ‖ padHex(g));
//   - x = H(padHex(salt) ‖ H(poolName ‖ userID ‖ ":" ‖ password));
//   - u = H(padHex(A) ‖ padHex(B)); S = (A·v^u)^b mod N;
//   - K = HKDF-SHA256(salt=padHex(u), ikm=padHex(S), info="Caldera Derived Key")[:16];
//   - the client proves K with HMAC-SHA256(K, poolName ‖ userID ‖ secretBlock ‖ timestamp).
//
// padHex is the minimal big-endian encoding of an integer with one leading
// zero byte when its top bit is set (Java's BigInteger.toByteArray).
package srp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"math/big"
	"strings"
	"time"
)

const nHex = "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"

var (
	// N is the group modulus and G its generator.
	N, _ = new(big.Int).SetString(nHex, 16)
	G    = big.NewInt(2)
	k    = hashInt(PadHex(N), PadHex(G))
)

const info = "Caldera Derived Key"

// PadHex encodes v as Cognito's clients hash integers.
func PadHex(v *big.Int) []byte {
	b := v.Bytes()
	if len(b) == 0 || b[0]&0x80 != 0 {
		b = append([]byte{0}, b...)
	}
	return b
}

func hash(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}

func hashInt(parts ...[]byte) *big.Int { return new(big.Int).SetBytes(hash(parts...)) }

// PoolName is the part of a user pool id after the first "_".
func PoolName(poolID string) string {
	_, name, _ := strings.Cut(poolID, "_")
	return name
}

// X computes the private value x for a password.
func X(poolName, userID, password string, salt *big.Int) *big.Int {
	inner := hash([]byte(poolName + userID + ":" + password))
	return hashInt(PadHex(salt), inner)
}

// NewVerifier makes a random salt and the verifier v = g^x mod N.
func NewVerifier(poolName, userID, password string) (salt, v *big.Int) {
	b := make([]byte, 16)
	rand.Read(b)
	salt = new(big.Int).SetBytes(b)
	return salt, Verifier(poolName, userID, password, salt)
}

// Verifier returns g^x mod N.
func Verifier(poolName, userID, password string, salt *big.Int) *big.Int {
	return new(big.Int).Exp(G, X(poolName, userID, password, salt), N)
}

// ServerStart picks the server's secret b and public B = k·v + g^b mod N.
func ServerStart(v *big.Int) (b, B *big.Int) {
	for {
		buf := make([]byte, 32)
		rand.Read(buf)
		b = new(big.Int).SetBytes(buf)
		B = new(big.Int).Mul(k, v)
		B.Add(B, new(big.Int).Exp(G, b, N))
		B.Mod(B, N)
		if B.Sign() != 0 {
			return b, B
		}
	}
}

// ErrBadA: the client's public value is 0 mod N (or u is 0).
var ErrBadA = errors.New("srp: illegal client value")

// ServerKey derives the session key K from the client's A.
func ServerKey(A, B, b, v *big.Int) ([]byte, error) {
	if new(big.Int).Mod(A, N).Sign() == 0 {
		return nil, ErrBadA
	}
	u := hashInt(PadHex(A), PadHex(B))
	if u.Sign() == 0 {
		return nil, ErrBadA
	}
	S := new(big.Int).Exp(v, u, N)
	S.Mul(S, A)
	S.Exp(S, b, N)
	return hkdf(PadHex(u), PadHex(S)), nil
}

func hkdf(salt, ikm []byte) []byte {
	m := hmac.New(sha256.New, salt)
	m.Write(ikm)
	prk := m.Sum(nil)
	m = hmac.New(sha256.New, prk)
	m.Write([]byte(info))
	m.Write([]byte{1})
	return m.Sum(nil)[:16]
}

// Signature is the PASSWORD_CLAIM_SIGNATURE a client holding K sends.
func Signature(K []byte, poolName, userID string, secretBlock []byte, timestamp string) string {
	m := hmac.New(sha256.New, K)
	m.Write([]byte(poolName))
	m.Write([]byte(userID))
	m.Write(secretBlock)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// VerifySignature checks a claimed signature in constant time.
func VerifySignature(K []byte, poolName, userID string, secretBlock []byte, timestamp, claimed string) bool {
	want := Signature(K, poolName, userID, secretBlock, timestamp)
	return hmac.Equal([]byte(want), []byte(claimed))
}

var (
	days   = []string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}
	months = []string{"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"}
)

// Timestamp renders t as the clients do: "Sat Nov 21 22:33:12 UTC 2026".
func Timestamp(t time.Time) string {
	t = t.UTC()
	return days[t.Weekday()] + " " + months[t.Month()-1] + " " + itoa(t.Day()) + " " + t.Format("15:04:05") + " UTC " + t.Format("2006")
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return string(rune('0'+n/10)) + string(rune('0'+n%10))
}

// ParseTimestamp parses a TIMESTAMP in the clients' format and returns its
// canonical rendering; ok is false when it is not in that format at all.
func ParseTimestamp(s string) (canonical string, ok bool) {
	t, err := time.Parse("Mon Jan 2 15:04:05 MST 2006", s)
	if err != nil {
		return "", false
	}
	return Timestamp(t), true
}

// Client is the client side, for tests and tools.
type Client struct {
	a, A *big.Int
}

// NewClient picks a client secret a and A = g^a mod N.
func NewClient() *Client {
	buf := make([]byte, 32)
	rand.Read(buf)
	a := new(big.Int).SetBytes(buf)
	return &Client{a: a, A: new(big.Int).Exp(G, a, N)}
}

// AHex is SRP_A as clients send it (unpadded hex).
func (c *Client) AHex() string { return c.A.Text(16) }

// Key derives K from the server's SALT and SRP_B (hex) and the password.
func (c *Client) Key(poolName, userID, password, saltHex, bHex string) ([]byte, error) {
	salt, ok1 := new(big.Int).SetString(saltHex, 16)
	B, ok2 := new(big.Int).SetString(bHex, 16)
	if !ok1 || !ok2 || new(big.Int).Mod(B, N).Sign() == 0 {
		return nil, errors.New("srp: bad server values")
	}
	u := hashInt(PadHex(c.A), PadHex(B))
	x := X(poolName, userID, password, salt)
	gx := new(big.Int).Exp(G, x, N)
	base := new(big.Int).Sub(B, new(big.Int).Mul(k, gx))
	base.Mod(base, N)
	exp := new(big.Int).Add(c.a, new(big.Int).Mul(u, x))
	S := new(big.Int).Exp(base, exp, N)
	return hkdf(PadHex(u), PadHex(S)), nil
}
