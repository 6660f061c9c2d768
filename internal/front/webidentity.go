package front

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
)

// Outbound identity federation: STS GetWebIdentityToken signs a JWT for
// the caller with its account's key, and the account's issuer URL
// (/_sekisho/tokens/<issuer id>) publishes the OpenID discovery document
// and the keys, for the external services that verify the tokens.

// webIdentityTokenOp is STS's GetWebIdentityToken, authorized with its
// condition keys (sts:IdentityTokenAudience, sts:DurationSeconds,
// sts:SigningAlgorithm, and the request tags).
func webIdentityTokenOp(cfg Config) *op {
	return &op{Action: "sts:GetWebIdentityToken", Keys: webIdentityKeys, Method: typed(func(ctx context.Context, in *struct {
		Audience         []string `form:",required"`
		DurationSeconds  int
		SigningAlgorithm string `form:",required"`
		Tags             []iam.Tag
	}) (any, error) {
		p := caller(ctx)
		ten, err := tenantOf(cfg, ctx, p.Account)
		if err != nil {
			return nil, err
		}
		dur := in.DurationSeconds
		if dur == 0 {
			dur = 300
		}
		now := time.Now()
		if p.Session != nil && !p.Session.Expires.IsZero() && now.Add(time.Duration(dur)*time.Second).After(p.Session.Expires) {
			return nil, awserr.New(400, "SessionDurationEscalationException", "The requested token lifetime outlasts the session that asks for it.")
		}
		sub := p.ARN
		if p.Session != nil && p.Session.RoleARN != "" {
			sub = p.Session.RoleARN // a role session's tokens name the role
		}
		ns := map[string]any{"aws_account": p.Account, "source_region": awsregion.From(ctx, cfg.Region)}
		if p.Session != nil && len(p.Session.Tags) > 0 {
			ns["principal_tags"] = p.Session.Tags
		}
		if len(in.Tags) > 0 {
			tags := map[string]string{}
			for _, t := range in.Tags {
				tags[t.Key] = t.Value
			}
			ns["request_tags"] = tags
		}
		var aud any = in.Audience
		if len(in.Audience) == 1 {
			aud = in.Audience[0]
		}
		var exp time.Time
		tok, err := ten.IAM.SignWebIdentityToken(ctx, in.SigningAlgorithm, func(id string, now time.Time) map[string]any {
			exp = now.Add(time.Duration(dur) * time.Second)
			jti := make([]byte, 16)
			rand.Read(jti)
			return map[string]any{"iss": issuerURL(cfg.PublicURL, id), "aud": aud, "sub": sub, "iat": now.Unix(), "exp": exp.Unix(),
				"jti": hex.EncodeToString(jti), "https://sts.amazonaws.com/": ns}
		})
		if err != nil {
			return nil, err
		}
		return struct {
			WebIdentityToken string `xml:"WebIdentityToken"`
			Expiration       string `xml:"Expiration"`
		}{tok, exp.UTC().Format(time.RFC3339)}, nil
	})}
}

// webIdentityKeys sets GetWebIdentityToken's condition keys from its
// parameters.
func webIdentityKeys(c *apiCall) keysFunc {
	form := url.Values(c.form)
	return func(r *policy.Request, _ func(string) bool) error {
		var aud, keys []string
		for i := 1; ; i++ {
			v, ok := form["Audience.member."+strconv.Itoa(i)]
			if !ok || len(v) == 0 {
				break
			}
			aud = append(aud, v[0])
		}
		r.Set("sts:IdentityTokenAudience", aud...)
		d := form.Get("DurationSeconds")
		if d == "" {
			d = "300"
		}
		r.Set("sts:DurationSeconds", d)
		r.Set("sts:SigningAlgorithm", form.Get("SigningAlgorithm"))
		for i := 1; ; i++ {
			k := form.Get("Tags.member." + strconv.Itoa(i) + ".Key")
			if k == "" {
				break
			}
			r.Set("aws:RequestTag/"+k, form.Get("Tags.member."+strconv.Itoa(i)+".Value"))
			keys = append(keys, k)
		}
		if len(keys) > 0 {
			r.Set("aws:TagKeys", keys...)
		}
		return nil
	}
}

// serveOutboundDiscovery publishes an account's outbound token issuer:
// its OpenID configuration and its keys.
func (h *Handler) serveOutboundDiscovery(w http.ResponseWriter, r *http.Request) {
	ri := info(r.Context())
	ri.service, ri.operation = "sts", "outbound-discovery"
	id := r.PathValue("issuer")
	ten, err := h.tenantOf(r.Context(), iam.AccountOfIssuer(id))
	if err != nil || ten == nil || ten.IAM == nil {
		http.NotFound(w, r)
		return
	}
	set, err := ten.IAM.OutboundJWKS(r.Context(), id)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("Access-Control-Allow-Origin", "*")
	if strings.HasSuffix(r.URL.Path, "/jwks.json") {
		json.NewEncoder(w).Encode(set)
		return
	}
	iss := issuerURL(h.cfg.PublicURL, id)
	json.NewEncoder(w).Encode(map[string]any{"issuer": iss, "jwks_uri": iss + "/.well-known/jwks.json",
		"response_types_supported": []string{"id_token"}, "subject_types_supported": []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES384"}})
}
