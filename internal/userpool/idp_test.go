package userpool

import (
	"context"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/store"
)

// TestIdPSecretSealed: an IdP's client secret and private key never sit
// in the store in the clear, and come back whole from Describe.
func TestIdPSecretSealed(t *testing.T) {
	s, _ := newService(t)
	ctx := context.Background()
	p, err := s.CreatePool(ctx, Pool{Name: "p"})
	if err != nil {
		t.Fatal(err)
	}
	// Endpoints given: no discovery fetch.
	in := IdentityProvider{UserPoolId: p.Id, ProviderName: "Corp", ProviderType: "OIDC", ProviderDetails: map[string]string{
		"client_id": "abc", "client_secret": "very-secret-value", "authorize_scopes": "openid", "oidc_issuer": "https://idp.example",
		"authorize_url": "https://idp.example/a", "token_url": "https://idp.example/t", "jwks_uri": "https://idp.example/k"}}
	if _, err := s.CreateIdentityProvider(ctx, in); err != nil {
		t.Fatal(err)
	}
	s.view(ctx, func(tx store.RecordTx) error {
		b, err := tx.Get(kindIdP, p.Id+"/Corp")
		if err != nil || strings.Contains(string(b), "very-secret-value") || !strings.Contains(string(b), "sealedSecret") {
			t.Errorf("stored: %s %v", b, err)
		}
		return nil
	})
	got, err := s.DescribeIdentityProvider(ctx, p.Id, "Corp")
	if err != nil || got.ProviderDetails["client_secret"] != "very-secret-value" || got.SealedSecret != "" {
		t.Errorf("described: %+v %v", got, err)
	}
}
