// Package oidcfetch is the user pools' way out to external OpenID Connect
// providers: discovery documents, the token endpoint and key sets, over
// HTTP with deadlines and size limits. It implements userpool.Upstream;
// the userpool service itself knows nothing of HTTP.
package oidcfetch

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/userpool"
)

// maxBody bounds every document read from a provider.
const maxBody = 1 << 20

// Client reaches providers. The zero value uses a client with a 10 s
// deadline per request.
type Client struct {
	HTTP *http.Client
}

func (c Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTP
}

var defaultHTTP = &http.Client{Timeout: 10 * time.Second}

func (c Client) getJSON(ctx context.Context, uri string, v any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", uri, nil)
	if err != nil {
		return fmt.Errorf("bad URL")
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return fmt.Errorf("cannot be reached")
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(v) != nil {
		return fmt.Errorf("not JSON")
	}
	return nil
}

// Discover reads issuer/.well-known/openid-configuration.
func (c Client) Discover(ctx context.Context, issuer string) (userpool.Discovery, error) {
	var doc struct {
		Issuer        string `json:"issuer"`
		Authorization string `json:"authorization_endpoint"`
		Token         string `json:"token_endpoint"`
		UserInfo      string `json:"userinfo_endpoint"`
		JWKS          string `json:"jwks_uri"`
	}
	if err := c.getJSON(ctx, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &doc); err != nil {
		return userpool.Discovery{}, err
	}
	return userpool.Discovery{Issuer: doc.Issuer, Authorization: doc.Authorization, Token: doc.Token, UserInfo: doc.UserInfo, JWKS: doc.JWKS}, nil
}

// Keys reads a JSON Web Key Set, returned raw for the caller to parse.
func (c Client) Keys(ctx context.Context, jwksURI string) ([]byte, error) {
	var raw json.RawMessage
	if err := c.getJSON(ctx, jwksURI, &raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// Redeem trades an authorization code at a provider's token endpoint
// (client_secret_basic when there is a secret) and returns its ID and
// access tokens.
func (c Client) Redeem(ctx context.Context, r userpool.Redemption) (userpool.Redeemed, error) {
	form := url.Values{"grant_type": {"authorization_code"}, "code": {r.Code}, "redirect_uri": {r.RedirectURI}, "code_verifier": {r.Verifier}, "client_id": {r.ClientID}}
	req, err := http.NewRequestWithContext(ctx, "POST", r.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return userpool.Redeemed{}, fmt.Errorf("bad token_url")
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if r.ClientSecret != "" {
		req.SetBasicAuth(url.QueryEscape(r.ClientID), url.QueryEscape(r.ClientSecret))
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return userpool.Redeemed{}, fmt.Errorf("the provider's token endpoint cannot be reached")
	}
	defer resp.Body.Close()
	var tok struct {
		IDToken     string `json:"id_token"`
		AccessToken string `json:"access_token"`
	}
	if resp.StatusCode != 200 || json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&tok) != nil || tok.IDToken == "" {
		return userpool.Redeemed{}, fmt.Errorf("the provider refused the code (HTTP %d)", resp.StatusCode)
	}
	return userpool.Redeemed{IDToken: tok.IDToken, AccessToken: tok.AccessToken}, nil
}

// UserInfo calls a provider's userinfo endpoint with an access token, by
// GET or POST, and returns its claims.
func (c Client) UserInfo(ctx context.Context, uri, method, accessToken string) (map[string]any, error) {
	var body io.Reader
	if method == "POST" {
		body = strings.NewReader(url.Values{"access_token": {accessToken}}.Encode())
	} else {
		method = "GET"
	}
	req, err := http.NewRequestWithContext(ctx, method, uri, body)
	if err != nil {
		return nil, fmt.Errorf("bad attributes_url")
	}
	req.Header.Set("Authorization", "Bearer "+accessToken)
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return nil, fmt.Errorf("the provider's userinfo endpoint cannot be reached")
	}
	defer resp.Body.Close()
	claims := map[string]any{}
	if resp.StatusCode != 200 || json.NewDecoder(io.LimitReader(resp.Body, maxBody)).Decode(&claims) != nil {
		return nil, fmt.Errorf("the provider's userinfo endpoint refused (HTTP %d)", resp.StatusCode)
	}
	return claims, nil
}
