// Package seal encrypts secrets at rest under the server's master key with
// AES-256-GCM. Each sealed value is bound to a purpose string (as
// additional data), so a ciphertext sealed for one purpose cannot be
// replayed as another.
package seal

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// KeySize is the length of a master key in bytes.
const KeySize = 32

// ErrOpen: a sealed value is malformed, was sealed under another key or
// purpose, or was tampered with.
var ErrOpen = errors.New("seal: cannot open sealed value")

// Key is a master key.
type Key struct {
	aead cipher.AEAD
	// mac keys Derive; it is itself derived from the key material, so
	// that no MAC output reveals anything of the encryption key.
	mac []byte
}

// NewKey returns a Key for 32 bytes of key material.
func NewKey(b []byte) (*Key, error) {
	if len(b) != KeySize {
		return nil, fmt.Errorf("seal: master key must be %d bytes, got %d", KeySize, len(b))
	}
	block, err := aes.NewCipher(b)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	m := hmac.New(sha256.New, b)
	m.Write([]byte("sekisho seal: derive"))
	return &Key{aead: aead, mac: m.Sum(nil)}, nil
}

// Derive returns a deterministic 32-byte value for purpose and data that
// no one without the key can compute or predict (HMAC-SHA256), for
// values that must be stable but secret, such as fake challenges for
// users that do not exist.
func (k *Key) Derive(purpose string, data []byte) []byte {
	m := hmac.New(sha256.New, k.mac)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write(data)
	return m.Sum(nil)
}

// ParseKey decodes a base64 (standard or URL) master key.
func ParseKey(s string) (*Key, error) {
	s = strings.TrimSpace(s)
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		if b, err = base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "=")); err != nil {
			return nil, fmt.Errorf("seal: master key is not base64: %w", err)
		}
	}
	return NewKey(b)
}

// LoadOrCreate reads the base64 key file at path, creating it (mode 0600)
// with a fresh random key if it does not exist.
func LoadOrCreate(path string) (*Key, error) {
	data, err := os.ReadFile(path)
	if err == nil {
		return ParseKey(string(data))
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	b := make([]byte, KeySize)
	rand.Read(b)
	created, err := CreateExclusive(path, []byte(base64.StdEncoding.EncodeToString(b)+"\n"), 0o600)
	if err != nil {
		return nil, err
	}
	if !created {
		// Another process (a node sharing the data dir) made it first:
		// use theirs, so every node has the same key.
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		return ParseKey(string(data))
	}
	return NewKey(b)
}

// CreateExclusive writes data to path only if nothing is there: through
// a synced temporary file of its own and a hard link, which fails if the
// name exists, so of processes racing to create one file exactly one
// succeeds (created is true for it) and none sees a partial file.
func CreateExclusive(path string, data []byte, perm os.FileMode) (created bool, err error) {
	r := make([]byte, 8)
	rand.Read(r)
	tmp := fmt.Sprintf("%s.%x.tmp", path, r)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return false, err
	}
	defer os.Remove(tmp)
	if _, err := f.Write(data); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return false, err
	}
	if err := f.Close(); err != nil {
		return false, err
	}
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, os.ErrExist) {
			return false, nil
		}
		return false, err
	}
	return true, SyncDir(filepath.Dir(path))
}

// Seal encrypts plaintext for purpose.
func (k *Key) Seal(purpose string, plaintext []byte) string {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, plaintext, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value sealed for purpose.
func (k *Key) Open(purpose, sealed string) ([]byte, error) {
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	if err != nil || len(b) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, ErrOpen
	}
	n := k.aead.NonceSize()
	pt, err := k.aead.Open(nil, b[:n], b[n:], []byte(purpose))
	if err != nil {
		return nil, ErrOpen
	}
	return pt, nil
}

// WriteFileAtomic writes data to path through a synced temporary file and a
// rename, so readers see the old content or the new, never a mix.
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	return SyncDir(filepath.Dir(path))
}

// SyncDir makes a directory's entries (a file just renamed into it)
// durable.
func SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
