package iam

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// OIDCProvider is an OpenID Connect identity provider the account trusts
// for web identity federation.
type OIDCProvider struct {
	ARN, URL    string
	ClientIDs   []string
	Thumbprints []string
	Created     time.Time
	Tags        []Tag
}

// CreateOpenIDConnectProvider registers a provider by its issuer URL.
func (s *Service) CreateOpenIDConnectProvider(ctx context.Context, rawURL string, clientIDs, thumbprints []string, tags []Tag) (OIDCProvider, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return OIDCProvider{}, errValidation("The URL %q must be an https URL.", rawURL)
	}
	host := strings.TrimSuffix(u.Host+u.Path, "/")
	p := OIDCProvider{ARN: "arn:aws:iam::" + s.Account + ":oidc-provider/" + host, URL: host, ClientIDs: clientIDs, Thumbprints: thumbprints, Created: s.now().Truncate(time.Second), Tags: tags}
	err = s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindOIDC, p.ARN); err == nil {
			return errExists("Provider with url https://%s already exists.", host)
		}
		return store.PutJSON(tx, kindOIDC, p.ARN, p)
	})
	return p, err
}

// GetOpenIDConnectProvider returns a provider by ARN.
func (s *Service) GetOpenIDConnectProvider(ctx context.Context, arn string) (OIDCProvider, error) {
	var p OIDCProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		var err error
		p, err = store.GetJSON[OIDCProvider](tx, kindOIDC, arn)
		if errors.Is(err, store.ErrNotFound) {
			return errNoSuchEntity("OpenIDConnect Provider not found for arn %s", arn)
		}
		return err
	})
	return p, err
}

// ListOpenIDConnectProviders lists providers.
func (s *Service) ListOpenIDConnectProviders(ctx context.Context) ([]OIDCProvider, error) {
	var out []OIDCProvider
	err := s.view(ctx, func(tx store.RecordTx) error {
		recs, err := tx.List(kindOIDC, "", "", 0)
		if err != nil {
			return err
		}
		for _, r := range recs {
			p, err := store.GetJSON[OIDCProvider](tx, kindOIDC, r.ID)
			if err != nil {
				return err
			}
			out = append(out, p)
		}
		return nil
	})
	return out, err
}

// DeleteOpenIDConnectProvider removes a provider; as AWS documents, it is
// idempotent: a provider that does not exist is no error.
func (s *Service) DeleteOpenIDConnectProvider(ctx context.Context, arn string) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := tx.Get(kindOIDC, arn); err != nil {
			return nil
		}
		return tx.Delete(kindOIDC, arn)
	})
}
