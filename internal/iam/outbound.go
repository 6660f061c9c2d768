package iam

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Outbound identity federation: an account's principals get JWTs signed
// for them (STS GetWebIdentityToken) that external services verify with
// the keys published at the account's issuer URL. The issuer id and the
// keys (RSA for RS256, P-384 for ES384) are made once, at the first
// enabling, and kept, sealed, across disabling.

const (
	kindOutbound    = "iam.outbound"
	outboundPurpose = "sekisho iam outbound federation key"
)

type outboundConfig struct {
	Enabled  bool
	IssuerID string
	RSA, EC  string // sealed PKCS#8 keys
}

// newIssuerID makes an issuer id with its account, so the
// discovery endpoints find the account: "<account>-<32 hex digits>".
func (s *Service) newIssuerID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return s.Account + "-" + hex.EncodeToString(b)
}

// AccountOfIssuer is the account an issuer id names.
func AccountOfIssuer(id string) string {
	acct, _, _ := strings.Cut(id, "-")
	return acct
}

var (
	errFeatureEnabled  = awserr.New(409, "FeatureEnabled", "Outbound identity federation is already enabled for this account.")
	errFeatureDisabled = awserr.New(409, "FeatureDisabled", "Outbound identity federation is disabled for this account.")
)

// EnableOutboundFederation turns the feature on and returns the issuer id.
func (s *Service) EnableOutboundFederation(ctx context.Context) (string, error) {
	// Key generation is slow: done before the transaction, used if this
	// is the first enabling.
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		return "", err
	}
	var id string
	err = s.update(ctx, func(tx store.RecordTx) error {
		cfg, err := store.GetJSON[outboundConfig](tx, kindOutbound, "config")
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if cfg.Enabled {
			return errFeatureEnabled
		}
		if cfg.IssuerID == "" {
			r, _ := x509.MarshalPKCS8PrivateKey(rsaKey)
			e, _ := x509.MarshalPKCS8PrivateKey(ecKey)
			cfg.IssuerID, cfg.RSA, cfg.EC = s.newIssuerID(), s.Key.Seal(outboundPurpose, r), s.Key.Seal(outboundPurpose, e)
		}
		cfg.Enabled, id = true, cfg.IssuerID
		return store.PutJSON(tx, kindOutbound, "config", cfg)
	})
	return id, err
}

// DisableOutboundFederation turns the feature off; tokens issued before
// stay valid until they expire, and the keys stay published.
func (s *Service) DisableOutboundFederation(ctx context.Context) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		cfg, err := store.GetJSON[outboundConfig](tx, kindOutbound, "config")
		if errors.Is(err, store.ErrNotFound) || err == nil && !cfg.Enabled {
			return errFeatureDisabled
		} else if err != nil {
			return err
		}
		cfg.Enabled = false
		return store.PutJSON(tx, kindOutbound, "config", cfg)
	})
}

// OutboundFederation returns the issuer id and whether tokens may be
// issued; FeatureDisabled if the feature was never enabled.
func (s *Service) OutboundFederation(ctx context.Context) (string, bool, error) {
	var cfg outboundConfig
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		cfg, err = store.GetJSON[outboundConfig](tx, kindOutbound, "config")
		if errors.Is(err, store.ErrNotFound) {
			return errFeatureDisabled
		}
		return err
	})
	return cfg.IssuerID, cfg.Enabled, err
}

// outboundKeys opens the account's signing keys, for issuer id.
func (s *Service) outboundKeys(ctx context.Context, id string) (outboundConfig, *rsa.PrivateKey, *ecdsa.PrivateKey, error) {
	var cfg outboundConfig
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		cfg, err = store.GetJSON[outboundConfig](tx, kindOutbound, "config")
		return err
	})
	if err != nil || cfg.IssuerID == "" || id != "" && cfg.IssuerID != id {
		return cfg, nil, nil, errFeatureDisabled
	}
	rb, err1 := s.Key.Open(outboundPurpose, cfg.RSA)
	eb, err2 := s.Key.Open(outboundPurpose, cfg.EC)
	if err1 != nil || err2 != nil {
		return cfg, nil, nil, errors.New("iam: the outbound federation keys cannot be opened")
	}
	rk, err1 := x509.ParsePKCS8PrivateKey(rb)
	ek, err2 := x509.ParsePKCS8PrivateKey(eb)
	r, ok1 := rk.(*rsa.PrivateKey)
	e, ok2 := ek.(*ecdsa.PrivateKey)
	if err1 != nil || err2 != nil || !ok1 || !ok2 {
		return cfg, nil, nil, errors.New("iam: the outbound federation keys are not valid")
	}
	return cfg, r, e, nil
}

// keyID names a public key by its RFC 7638 thumbprint.
func keyID(pub crypto.PublicKey) string {
	k := jose.JSONWebKey{Key: pub}
	t, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return ""
	}
	return hex.EncodeToString(t[:16])
}

// OutboundJWKS is the public key set of issuer id, for its discovery
// endpoint (published while the feature is off too: issued tokens stay
// verifiable).
func (s *Service) OutboundJWKS(ctx context.Context, id string) (jose.JSONWebKeySet, error) {
	_, r, e, err := s.outboundKeys(ctx, id)
	if err != nil {
		return jose.JSONWebKeySet{}, err
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &r.PublicKey, KeyID: keyID(&r.PublicKey), Algorithm: "RS256", Use: "sig"},
		{Key: &e.PublicKey, KeyID: keyID(&e.PublicKey), Algorithm: "ES384", Use: "sig"},
	}}, nil
}

// SignWebIdentityToken signs claims with the account's key for alg
// (RS256 or ES384) and returns the compact JWT; the issuer id is the
// one the claims must name. It refuses while the feature is off.
func (s *Service) SignWebIdentityToken(ctx context.Context, alg string, claims func(issuerID string, now time.Time) map[string]any) (string, error) {
	cfg, r, e, err := s.outboundKeys(ctx, "")
	if err != nil || !cfg.Enabled {
		return "", awserr.New(400, "OutboundWebIdentityFederationDisabledException", "Outbound web identity federation is disabled for this account; enable it with EnableOutboundWebIdentityFederation.")
	}
	var key jose.SigningKey
	switch alg {
	case "RS256":
		key = jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: r, KeyID: keyID(&r.PublicKey)}}
	case "ES384":
		key = jose.SigningKey{Algorithm: jose.ES384, Key: jose.JSONWebKey{Key: e, KeyID: keyID(&e.PublicKey)}}
	default:
		return "", errValidation("1 validation error detected: Value '%s' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]", alg)
	}
	signer, err := jose.NewSigner(key, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims(cfg.IssuerID, s.now()))
	if err != nil {
		return "", err
	}
	if len(payload) > 16*1024 {
		return "", awserr.New(400, "JWTPayloadSizeExceededException", "The token's claims are too large; send fewer or shorter tags.")
	}
	obj, err := signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}
