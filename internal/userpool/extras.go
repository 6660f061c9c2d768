package userpool

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/store"
)

// More of the control plane: user pool tags, self-service attribute
// deletion, a user's sign-in factors, the auth event history (kept when
// the pool's threat protection is on), UI customization, risk and log
// delivery configurations, and the pool's SAML signing certificate.

// poolOfARN returns the pool id an ARN names in this service's account
// and the pool's own region.
func (s *Service) poolOfARN(arn string) (string, error) {
	id := arn[strings.LastIndexByte(arn, '/')+1:]
	if arn != s.PoolARN(id) || id == "" {
		return "", errNotFound("Resource %s does not exist.", arn)
	}
	return id, nil
}

// PoolARN is the ARN of the user pool id, in the region its id names.
func (s *Service) PoolARN(id string) string {
	return "arn:aws:cognito-idp:" + s.RegionOf(id) + ":" + s.Account + ":userpool/" + id
}

// RegionOf is the region of the user pool id: the one its id names, which
// is the region of the request that created it.
func (s *Service) RegionOf(id string) string { return awsregion.Of(id, '_', s.Region) }

// TagResource adds or replaces a pool's tags.
func (s *Service) TagResource(ctx context.Context, arn string, tags map[string]string) error {
	id, err := s.poolOfARN(arn)
	if err != nil {
		return err
	}
	return s.UpdatePool(ctx, id, func(p *Pool) error {
		if p.UserPoolTags == nil {
			p.UserPoolTags = map[string]string{}
		}
		for k, v := range tags {
			p.UserPoolTags[k] = v
		}
		if len(p.UserPoolTags) > 50 {
			return errParam("Exceeded the maximum number of tags: 50")
		}
		return nil
	})
}

// UntagResource removes tags by key.
func (s *Service) UntagResource(ctx context.Context, arn string, keys []string) error {
	id, err := s.poolOfARN(arn)
	if err != nil {
		return err
	}
	return s.UpdatePool(ctx, id, func(p *Pool) error {
		for _, k := range keys {
			delete(p.UserPoolTags, k)
		}
		if len(p.UserPoolTags) == 0 {
			p.UserPoolTags = nil
		}
		return nil
	})
}

// ResourceTags returns a pool's tags.
func (s *Service) ResourceTags(ctx context.Context, arn string) (map[string]string, error) {
	id, err := s.poolOfARN(arn)
	if err != nil {
		return nil, err
	}
	p, err := s.Pool(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.UserPoolTags == nil {
		return map[string]string{}, nil
	}
	return p.UserPoolTags, nil
}

// DeleteUserAttributes deletes attributes of the access token's user.
func (s *Service) DeleteUserAttributes(ctx context.Context, token string, names []string) error {
	p, u, err := s.AccessClaims(ctx, token)
	if err != nil {
		return err
	}
	for _, n := range names {
		if n == "sub" {
			return errParam("Cannot modify the non-mutable attribute sub")
		}
		if a, ok := p.schemaAttr(n); ok && a.Required {
			return errParam("user.%s: The attribute is required", n)
		}
	}
	return s.AdminDeleteUserAttributes(ctx, p.Id, u.Username, names)
}

// schemaAttr finds an attribute of the pool's schema.
func (p *Pool) schemaAttr(name string) (SchemaAttribute, bool) {
	for _, a := range p.SchemaAttributes {
		if a.Name == name {
			return a, true
		}
	}
	return SchemaAttribute{}, false
}

// AuthFactors are the first factors a user can sign in with by choice
// (USER_AUTH), as GetUserAuthFactors reports them.
func (s *Service) AuthFactors(ctx context.Context, token string) (User, []string, error) {
	p, u, err := s.AccessClaims(ctx, token)
	if err != nil {
		return User{}, nil, err
	}
	allowed := []string{"PASSWORD"}
	if p.Policies.SignInPolicy != nil {
		allowed = p.Policies.SignInPolicy.AllowedFirstAuthFactors
	}
	factors := []string{}
	if u.PasswordHash != "" && slices.Contains(allowed, "PASSWORD") {
		factors = append(factors, "PASSWORD")
	}
	if u.Attributes["email_verified"] == "true" && slices.Contains(allowed, "EMAIL_OTP") {
		factors = append(factors, "EMAIL_OTP")
	}
	if u.Attributes["phone_number_verified"] == "true" && slices.Contains(allowed, "SMS_OTP") {
		factors = append(factors, "SMS_OTP")
	}
	if slices.Contains(allowed, "WEB_AUTHN") {
		has := false
		s.view(ctx, func(tx store.RecordTx) error {
			recs, err := tx.List(kindPasskey, userKey(p.Id, u.Username)+"/", "", 1)
			has = err == nil && len(recs) > 0
			return nil
		})
		if has {
			factors = append(factors, "WEB_AUTHN")
		}
	}
	return u, factors, nil
}

// AuthEvent is one sign-in attempt in a user's history (AuthEventType).
type AuthEvent struct {
	EventId            string              `json:"EventId"`
	EventType          string              `json:"EventType"`
	CreationDate       epoch               `json:"CreationDate"`
	EventResponse      string              `json:"EventResponse"`
	EventRisk          map[string]any      `json:"EventRisk"`
	ChallengeResponses []map[string]string `json:"ChallengeResponses"`
	EventContextData   map[string]any      `json:"EventContextData,omitempty"`
	EventFeedback      map[string]any      `json:"EventFeedback,omitempty"`
}

// maxAuthEvents is how many events a user keeps (the newest).
const maxAuthEvents = 50

// addAuthEvent records a sign-in on u when the pool's threat protection
// is on; it is written with the rest of u.
func (s *Service) addAuthEvent(ctx context.Context, p Pool, u *User, success bool) {
	if !p.advancedSecurity() {
		return
	}
	resp, challenge := "Pass", "Success"
	if !success {
		resp, challenge = "Fail", "Failure"
	}
	e := AuthEvent{EventId: newUUID(), EventType: "SignIn", CreationDate: epoch(s.now()), EventResponse: resp,
		EventRisk:          map[string]any{"RiskDecision": "NoRisk", "CompromisedCredentialsDetected": false},
		ChallengeResponses: []map[string]string{{"ChallengeName": "Password", "ChallengeResponse": challenge}}}
	if ip := sourceIP(ctx); ip != "" {
		e.EventContextData = map[string]any{"IpAddress": ip}
	}
	u.AuthEvents = append([]AuthEvent{e}, u.AuthEvents...)
	if len(u.AuthEvents) > maxAuthEvents {
		u.AuthEvents = u.AuthEvents[:maxAuthEvents]
	}
}

func errAddOn() error {
	return awserr.New(400, "UserPoolAddOnNotEnabledException", "Advanced security features are not enabled for this user pool.")
}

// AdminListUserAuthEvents returns a user's sign-in history, newest first.
func (s *Service) AdminListUserAuthEvents(ctx context.Context, pool, username string) ([]AuthEvent, error) {
	var events []AuthEvent
	err := s.view(ctx, func(tx store.RecordTx) error {
		p, err := s.poolTx(tx, pool)
		if err != nil {
			return err
		}
		if !p.advancedSecurity() {
			return errAddOn()
		}
		u, err := store.GetJSON[User](tx, kindUser, userKey(pool, username))
		if isNotFound(err) {
			return errUserNotFound()
		}
		events = u.AuthEvents
		return err
	})
	if events == nil {
		events = []AuthEvent{}
	}
	return events, err
}

// AdminUpdateAuthEventFeedback marks an event valid or invalid.
func (s *Service) AdminUpdateAuthEventFeedback(ctx context.Context, pool, username, eventID, value string) error {
	if value != "Valid" && value != "Invalid" {
		return errParam("1 validation error detected: Value '%s' at 'feedbackValue' failed to satisfy constraint: Member must satisfy enum value set: [Valid, Invalid]", value)
	}
	return s.modifyUser(ctx, pool, username, func(p Pool, u *User) error {
		if !p.advancedSecurity() {
			return errAddOn()
		}
		for i := range u.AuthEvents {
			if u.AuthEvents[i].EventId == eventID {
				u.AuthEvents[i].EventFeedback = map[string]any{"FeedbackValue": value, "Provider": "Admin", "FeedbackDate": epoch(s.now())}
				return nil
			}
		}
		return errNotFound("Auth event %s does not exist.", eventID)
	})
}

// poolSetting is a per-pool (or per-client) configuration record: UI
// customization, risk configuration, log delivery.
const kindPoolSetting = "cognito.poolsetting"

func settingKey(kind, pool, client string) string {
	if client == "" {
		client = "ALL"
	}
	return kind + "/" + pool + "/" + client
}

// PutSetting stores a pool's (or a client's) configuration of a kind,
// after checking the pool and client exist.
func (s *Service) PutSetting(ctx context.Context, kind, pool, client string, v map[string]any) error {
	return s.update(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		if client != "" && client != "ALL" {
			if _, err := s.clientTx(tx, pool, client); err != nil {
				return err
			}
		}
		return store.PutJSON(tx, kindPoolSetting, settingKey(kind, pool, client), v)
	})
}

// Setting returns a client's configuration of a kind, else the pool's;
// nil when neither was set.
func (s *Service) Setting(ctx context.Context, kind, pool, client string) (map[string]any, error) {
	var out map[string]any
	err := s.view(ctx, func(tx store.RecordTx) error {
		if _, err := s.poolTx(tx, pool); err != nil {
			return err
		}
		if client != "" && client != "ALL" {
			if _, err := s.clientTx(tx, pool, client); err != nil {
				return err
			}
			if v, err := store.GetJSON[map[string]any](tx, kindPoolSetting, settingKey(kind, pool, client)); err == nil {
				out = v
				return nil
			}
		}
		if v, err := store.GetJSON[map[string]any](tx, kindPoolSetting, settingKey(kind, pool, "")); err == nil {
			out = v
		}
		return nil
	})
	return out, err
}

// SigningCertificate returns the pool's SAML signing certificate: a
// self-signed certificate of a key of its own, made on first use and
// kept sealed, valid ten years.
func (s *Service) SigningCertificate(ctx context.Context, pool string) (string, error) {
	if _, err := s.Pool(ctx, pool); err != nil {
		return "", err
	}
	var certB64 string
	err := s.update(ctx, func(tx store.RecordTx) error {
		if b, err := tx.Get(kindPoolSetting, settingKey("signingcert", pool, "")); err == nil {
			certB64 = string(b)
			return nil
		}
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return err
		}
		now := s.now()
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: pool, Organization: []string{"sekisho"}},
			NotBefore: now.Add(-time.Minute), NotAfter: now.AddDate(10, 0, 0)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
		if err != nil {
			return err
		}
		kd, _ := x509.MarshalPKCS8PrivateKey(k)
		if err := tx.Put(kindPoolSetting, settingKey("signingkey", pool, ""), []byte(s.Key.Seal(keyPurpose, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd})))); err != nil {
			return err
		}
		certB64 = base64.StdEncoding.EncodeToString(der)
		return tx.Put(kindPoolSetting, settingKey("signingcert", pool, ""), []byte(certB64))
	})
	return certB64, err
}

// riskBlocked refuses a sign-in from an IP range the risk configuration
// of the app client (else of the pool) blocks, when threat protection is
// enforced (AUDIT only observes). sekisho scores no other risk: the
// configuration's adaptive and compromised-credentials actions are kept,
// not applied.
func (s *Service) riskBlocked(ctx context.Context, p Pool, client string) error {
	if m, _ := p.UserPoolAddOns["AdvancedSecurityMode"].(string); m != "ENFORCED" {
		return nil
	}
	ip := net.ParseIP(sourceIP(ctx))
	if ip == nil {
		return nil
	}
	cfg, err := s.Setting(ctx, "risk", p.Id, client)
	if err != nil || cfg == nil {
		return nil
	}
	exc, _ := cfg["RiskExceptionConfiguration"].(map[string]any)
	blocked, _ := exc["BlockedIPRangeList"].([]any)
	for _, b := range blocked {
		cidr, _ := b.(string)
		if _, n, err := net.ParseCIDR(cidr); err == nil && n.Contains(ip) {
			return errNotAuthorized("Unable to login because of security reasons.")
		}
	}
	return nil
}
