package userpool

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"time"

	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/sekisho/sekisho/internal/store"
)

// Errors of VerifyToken, for identity pools to word their own.
var (
	ErrTokenMalformed = errors.New("malformed token")
	ErrTokenSignature = errors.New("couldn't verify signed token")
	ErrTokenExpired   = errors.New("token expired")
	ErrTokenNoAud     = errors.New("missing a required claim: aud")
)

// VerifiedToken is a user-pool ID token that verified.
type VerifiedToken struct {
	PoolID   string
	Issuer   string
	Audience string
	Subject  string
	Username string
	IssuedAt time.Time
	Expires  time.Time
	// Claims are all of the token's claims.
	Claims map[string]any
}

// VerifyIDToken checks a token issued by one of this server's pools: the
// pool named by its "iss", the signature with that pool's keys, expiry,
// and that it is an ID token (access tokens have no "aud").
func (s *Service) VerifyIDToken(ctx context.Context, token string) (*VerifiedToken, error) {
	tok, iss, poolID, ok := unverifiedPool(token)
	if !ok {
		return nil, ErrTokenMalformed
	}
	if _, err := s.poolForCheck(ctx, poolID); err != nil || s.Issuer(poolID) != iss {
		return nil, ErrTokenSignature
	}
	keys, err := s.keysFor(ctx, poolID, tok)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := tok.Claims(&keys.all, &raw); err != nil {
		return nil, ErrTokenSignature
	}
	b, _ := json.Marshal(raw)
	var c struct {
		jwt.Claims
		TokenUse string `json:"token_use"`
		Username string `json:"cognito:username"`
	}
	json.Unmarshal(b, &c)
	if len(c.Audience) == 0 || c.TokenUse != "id" {
		return nil, ErrTokenNoAud
	}
	if c.Expiry == nil || !s.now().Before(c.Expiry.Time()) {
		return nil, ErrTokenExpired
	}
	v := &VerifiedToken{PoolID: poolID, Issuer: c.Issuer, Audience: c.Audience[0], Subject: c.Subject, Username: c.Username, Claims: raw, Expires: c.Expiry.Time()}
	if c.IssuedAt != nil {
		v.IssuedAt = c.IssuedAt.Time()
	}
	return v, nil
}

// UserActive reports whether a token's user still exists, is enabled and
// has not signed out globally since the token was issued (identity pools'
// ServerSideTokenCheck).
func (s *Service) UserActive(ctx context.Context, v *VerifiedToken) bool {
	var u User
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		u, err = store.GetJSON[User](tx, kindUser, userKey(v.PoolID, v.Username))
		return err
	})
	// The username may since have been given to someone else: the token
	// binds to the immutable sub.
	if err != nil || !u.Enabled || v.Subject == "" || !subEqual(u.Attributes["sub"], v.Subject) {
		return false
	}
	return u.TokensValidAfter.IsZero() || v.IssuedAt.After(u.TokensValidAfter.Truncate(time.Second))
}

// subEqual compares a user's sub with a token's in constant time.
func subEqual(a, b string) bool {
	return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}
