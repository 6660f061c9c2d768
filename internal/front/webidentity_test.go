package front_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

// TestOutboundWebIdentity: an account enables outbound identity
// federation; a user allowed sts:GetWebIdentityToken for one audience and
// five minutes gets RS256 and ES384 tokens naming them, which verify with
// the keys the issuer URL publishes; other audiences, longer lifetimes
// and a disabled feature are refused.
func TestOutboundWebIdentity(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	admin := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	if _, err := admin.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{}); apiCode(err) != "FeatureDisabled" {
		t.Fatalf("info before enabling: %v", err)
	}
	_, err := admin.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("job")})
	must("CreateUser", err)
	_, err = admin.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("job"), PolicyName: aws.String("tokens"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*","Condition":{"ForAllValues:StringEquals":{"sts:IdentityTokenAudience":"https://api.example.com"},"NumericLessThanEquals":{"sts:DurationSeconds":"300"}}}]}`)})
	must("PutUserPolicy", err)
	key, err := admin.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("job")})
	must("CreateAccessKey", err)
	job := sts.NewFromConfig(g.cfg(keyCreds(key)))
	token := func(aud string, dur int32, alg string) (string, error) {
		out, err := job.GetWebIdentityToken(ctx, &sts.GetWebIdentityTokenInput{Audience: []string{aud}, DurationSeconds: aws.Int32(dur), SigningAlgorithm: aws.String(alg),
			Tags: []ststypes.Tag{{Key: aws.String("job-id"), Value: aws.String("42")}}})
		if err != nil {
			return "", err
		}
		return aws.ToString(out.WebIdentityToken), nil
	}
	if _, err := token("https://api.example.com", 300, "RS256"); apiCode(err) != "OutboundWebIdentityFederationDisabledException" {
		t.Fatalf("before enabling: %v", err)
	}
	en, err := admin.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{})
	must("EnableOutboundWebIdentityFederation", err)
	issuer := aws.ToString(en.IssuerIdentifier)
	if !strings.HasPrefix(issuer, g.url+"/_sekisho/tokens/000000000000-") {
		t.Fatalf("issuer %s", issuer)
	}
	if _, err := admin.EnableOutboundWebIdentityFederation(ctx, &iam.EnableOutboundWebIdentityFederationInput{}); apiCode(err) != "FeatureEnabled" {
		t.Fatalf("enabled twice: %v", err)
	}
	// The issuer's discovery document and keys.
	var disc struct {
		Issuer  string `json:"issuer"`
		JwksURI string `json:"jwks_uri"`
	}
	getJSON := func(u string, v any) {
		t.Helper()
		resp, err := http.Get(u)
		must("GET "+u, err)
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d", u, resp.StatusCode)
		}
		must("decode", json.NewDecoder(resp.Body).Decode(v))
	}
	getJSON(issuer+"/.well-known/openid-configuration", &disc)
	if disc.Issuer != issuer {
		t.Fatalf("discovery %+v", disc)
	}
	var keys jose.JSONWebKeySet
	getJSON(disc.JwksURI, &keys)
	for _, alg := range []string{"RS256", "ES384"} {
		tok, err := token("https://api.example.com", 300, alg)
		must("GetWebIdentityToken "+alg, err)
		parsed, err := jwt.ParseSigned(tok, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
		must("parse", err)
		kid := parsed.Headers[0].KeyID
		var claims jwt.Claims
		extra := map[string]any{}
		must("verify "+alg, parsed.Claims(keys.Key(kid)[0].Key, &claims, &extra))
		if claims.Issuer != issuer || claims.Subject != "arn:aws:iam::000000000000:user/job" || !claims.Audience.Contains("https://api.example.com") ||
			claims.Expiry.Time().Sub(claims.IssuedAt.Time()).Seconds() != 300 {
			t.Fatalf("%s claims %+v", alg, claims)
		}
		ns, _ := extra["https://sts.amazonaws.com/"].(map[string]any)
		if ns["aws_account"] != "000000000000" || ns["request_tags"].(map[string]any)["job-id"] != "42" {
			t.Fatalf("%s AWS claims %v", alg, extra)
		}
	}
	if _, err := token("https://other.example.com", 300, "RS256"); apiCode(err) != "AccessDenied" {
		t.Fatalf("another audience: %v", err)
	}
	if _, err := token("https://api.example.com", 900, "RS256"); apiCode(err) != "AccessDenied" {
		t.Fatalf("a longer lifetime: %v", err)
	}
	_, err = admin.DisableOutboundWebIdentityFederation(ctx, &iam.DisableOutboundWebIdentityFederationInput{})
	must("DisableOutboundWebIdentityFederation", err)
	if _, err := token("https://api.example.com", 300, "RS256"); apiCode(err) != "OutboundWebIdentityFederationDisabledException" {
		t.Fatalf("after disabling: %v", err)
	}
	info, err := admin.GetOutboundWebIdentityFederationInfo(ctx, &iam.GetOutboundWebIdentityFederationInfoInput{})
	if err != nil || aws.ToString(info.IssuerIdentifier) != issuer || info.JwtVendingEnabled {
		t.Fatalf("info after disabling: %+v %v", info, err)
	}
	getJSON(disc.JwksURI, &keys) // still published: issued tokens stay verifiable
	if resp, err := http.Get(g.url + "/_sekisho/tokens/000000000000-nope/.well-known/jwks.json"); err != nil || resp.StatusCode != 404 {
		t.Fatalf("an unknown issuer: %v %v", resp, err)
	}
}
