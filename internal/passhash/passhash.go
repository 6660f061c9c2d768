// Package passhash hashes passwords with argon2id and checks them, in the
// PHC string format ("$argon2id$v=19$m=…,t=…,p=1$salt$hash"), for the
// user pools' users and IAM's login profiles alike. Check reads the cost
// from each hash, so hashes of different costs mix freely.
package passhash

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// The standard cost: t=2, 19 MiB (OWASP's argon2id minimum), and the
// light one of dev mode.
const (
	Time, Memory           = 2, 19 * 1024
	LightTime, LightMemory = 1, 1024
	keyLen                 = 32
)

// Hash hashes pw with a fresh salt at cost t passes over m KiB.
func Hash(pw string, t, m uint32) string {
	salt := make([]byte, 16)
	rand.Read(salt)
	h := argon2.IDKey([]byte(pw), salt, t, m, 1, keyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=1$%s$%s", m, t, base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(h))
}

// Check reports whether pw matches encoded, in constant time. A hash
// that is malformed, or whose cost is out of bounds (more than 1 GiB or 16
// passes), matches nothing.
func Check(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil || m == 0 || m > 1<<20 || t == 0 || t > 16 || p == 0 {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}
