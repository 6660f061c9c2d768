package userpool

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/store"
)

const kindKeys = "cognito.keys"

const keyPurpose = "sekisho cognito signing key"

// storedKey is one RSA signing key, sealed.
type storedKey struct {
	Kid     string
	Use     string // "id" or "access"
	Sealed  string
	Created time.Time
}

// signingKeys are a pool's keys: the current ID and access keys sign; all
// keys ever made verify (so rotation never breaks a live token).
type signingKeys struct {
	current map[string]*jose.JSONWebKey // by use
	all     jose.JSONWebKeySet
	raw     []byte    // the stored record they came from
	checked time.Time // when raw was last compared with the store
}

// keyCacheTTL bounds how long cached keys are used before the stored
// record is read again (and re-decoded only if it changed): a rotation
// through another node reaches this one within it.
const keyCacheTTL = time.Second

// keys loads (creating on first use) a pool's signing keys.
func (s *Service) keys(ctx context.Context, pool string) (*signingKeys, error) {
	s.mu.Lock()
	cached, ok := s.keyCache[pool]
	s.mu.Unlock()
	if ok && time.Since(cached.checked) < keyCacheTTL {
		return cached, nil
	}
	var raw []byte
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		raw, err = tx.Get(kindKeys, pool)
		return err
	})
	if err == nil {
		if ok && bytes.Equal(raw, cached.raw) {
			k := *cached
			k.checked = time.Now()
			s.mu.Lock()
			s.keyCache[pool] = &k
			s.mu.Unlock()
			return &k, nil
		}
		var stored []storedKey
		if err := json.Unmarshal(raw, &stored); err != nil {
			return nil, err
		}
		return s.loadKeys(pool, stored, raw)
	}
	if !isNotFound(err) {
		return nil, err
	}
	// Generate outside the write (RSA keys take tens of milliseconds);
	// the write keeps whichever keys a racing caller stored first.
	fresh, err := s.newKeys()
	if err != nil {
		return nil, err
	}
	var stored []storedKey
	err = s.update(ctx, func(tx store.RecordTx) error {
		b, err := tx.Get(kindKeys, pool)
		if err == nil {
			return json.Unmarshal(b, &stored)
		}
		if !isNotFound(err) {
			return err
		}
		stored = fresh
		return store.PutJSON(tx, kindKeys, pool, stored)
	})
	if err != nil {
		return nil, err
	}
	raw, _ = json.Marshal(stored)
	return s.loadKeys(pool, stored, raw)
}

// keysFor returns the keys to verify tok with. A key id the cached keys
// lack makes them be compared with the store at once (re-decoded only if
// they changed): a rotation through another node applies here at once.
func (s *Service) keysFor(ctx context.Context, pool string, tok *jwt.JSONWebToken) (*signingKeys, error) {
	k, err := s.keys(ctx, pool)
	if err != nil || len(tok.Headers) == 0 || len(k.all.Key(tok.Headers[0].KeyID)) > 0 {
		return k, err
	}
	return s.freshKeys(ctx, pool)
}

// freshKeys returns a pool's keys as the store has them now.
func (s *Service) freshKeys(ctx context.Context, pool string) (*signingKeys, error) {
	s.mu.Lock()
	if c, ok := s.keyCache[pool]; ok {
		stale := *c
		stale.checked = time.Time{}
		s.keyCache[pool] = &stale
	}
	s.mu.Unlock()
	return s.keys(ctx, pool)
}

// newKeys makes an ID and an access signing key.
func (s *Service) newKeys() ([]storedKey, error) {
	var out []storedKey
	for _, use := range []string{"id", "access"} {
		k, err := s.newKey(use)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (s *Service) newKey(use string) (storedKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return storedKey{}, err
	}
	der := x509.MarshalPKCS1PrivateKey(priv)
	kidBytes := make([]byte, 24)
	rand.Read(kidBytes)
	return storedKey{Kid: base64.StdEncoding.EncodeToString(kidBytes), Use: use, Sealed: s.Key.Seal(keyPurpose, der), Created: s.now()}, nil
}

func (s *Service) loadKeys(pool string, stored []storedKey, raw []byte) (*signingKeys, error) {
	k := &signingKeys{current: map[string]*jose.JSONWebKey{}, raw: raw, checked: time.Now()}
	for _, sk := range stored {
		der, err := s.Key.Open(keyPurpose, sk.Sealed)
		if err != nil {
			return nil, err
		}
		priv, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return nil, err
		}
		jwk := &jose.JSONWebKey{Key: priv, KeyID: sk.Kid, Algorithm: "RS256", Use: "sig"}
		k.current[sk.Use] = jwk // later keys of a use replace earlier ones
		k.all.Keys = append(k.all.Keys, jose.JSONWebKey{Key: &priv.PublicKey, KeyID: sk.Kid, Algorithm: "RS256", Use: "sig"})
	}
	s.mu.Lock()
	if s.keyCache == nil {
		s.keyCache = map[string]*signingKeys{}
	}
	s.keyCache[pool] = k
	s.mu.Unlock()
	return k, nil
}

// RotateKeys adds new ID and access signing keys to a pool. New tokens are
// signed with them; tokens signed with the old keys still verify.
func (s *Service) RotateKeys(ctx context.Context, pool string) error {
	var stored []storedKey
	fresh, err := s.newKeys() // outside the write
	if err != nil {
		return err
	}
	err = s.update(ctx, func(tx store.RecordTx) error {
		var err error
		if stored, err = store.GetJSON[[]storedKey](tx, kindKeys, pool); err != nil {
			return err
		}
		stored = append(stored, fresh...)
		return store.PutJSON(tx, kindKeys, pool, stored)
	})
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(stored)
	_, err = s.loadKeys(pool, stored, raw)
	return err
}

// JWKS returns a pool's public keys.
func (s *Service) JWKS(ctx context.Context, pool string) (*jose.JSONWebKeySet, error) {
	if _, err := s.poolForCheck(ctx, pool); err != nil {
		return nil, err
	}
	k, err := s.freshKeys(ctx, pool)
	if err != nil {
		return nil, err
	}
	return &k.all, nil
}

// sign makes a JWT with a pool's current key for use.
func (s *Service) sign(ctx context.Context, pool, use string, claims map[string]any) (string, error) {
	k, err := s.keys(ctx, pool)
	if err != nil {
		return "", err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: k.current[use]}, nil)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}
