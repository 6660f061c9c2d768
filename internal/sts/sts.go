// Package sts is the Security Token Service. It knows nothing of HTTP: the
// front decodes query-protocol requests into calls and encodes the results.
//
// Temporary credentials are self-contained: the session token is the
// session (principal, role, policies, tags, expiry, and the secret key)
// sealed with AES-GCM under the server's master key. Any node holding the
// key verifies a token without a store lookup (Service.Credential), and no
// one can forge or alter one.
package sts

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"

	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/seal"
)

// Service is STS.
type Service struct {
	IAM     *iam.Service
	Key     *seal.Key
	Account string
	// Region is where role use is reported (GetRole's RoleLastUsed).
	Region string
	Now    func() time.Time
	// Issuers are token issuers the server runs itself, trusted for
	// AssumeRoleWithWebIdentity without an IAM OIDC provider.
	Issuers []Issuer
	// HTTPClient fetches OIDC providers' keys; a 5-second client if nil.
	HTTPClient *http.Client

	jwksMu    sync.Mutex
	jwksCache map[string]jwksEntry
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now().UTC()
}

// CallerIdentity is the result of GetCallerIdentity.
type CallerIdentity struct {
	Arn     string `xml:"Arn" json:"Arn"`
	UserId  string `xml:"UserId" json:"UserId"`
	Account string `xml:"Account" json:"Account"`
}

// GetCallerIdentity reports who signed the request.
func (s *Service) GetCallerIdentity(_ context.Context, p *auth.Principal) (*CallerIdentity, error) {
	return &CallerIdentity{Arn: p.ARN, UserId: p.UserID, Account: p.Account}, nil
}

// Credentials are temporary credentials.
type Credentials struct {
	AccessKeyId     string    `xml:"AccessKeyId"`
	SecretAccessKey string    `xml:"SecretAccessKey"`
	SessionToken    string    `xml:"SessionToken"`
	Expiration      time.Time `xml:"Expiration"`
}

// AssumedRoleUser names a role session.
type AssumedRoleUser struct {
	Arn           string `xml:"Arn"`
	AssumedRoleId string `xml:"AssumedRoleId"`
}

// AssumeRoleOutput is AssumeRole's result.
type AssumeRoleOutput struct {
	Credentials      Credentials     `xml:"Credentials"`
	AssumedRoleUser  AssumedRoleUser `xml:"AssumedRoleUser"`
	PackedPolicySize int             `xml:"PackedPolicySize"`
	SourceIdentity   string          `xml:"SourceIdentity,omitempty"`
}

// AssumeRoleInput is an AssumeRole request.
type AssumeRoleInput struct {
	RoleArn, RoleSessionName string
	DurationSeconds          int
	Policy                   string
	PolicyArns               []string
	Tags                     []iam.Tag
	TransitiveTagKeys        []string
	ExternalId               string
	// SourceIdentity, when set, is fixed for the session and every session
	// chained from it; it needs sts:SetSourceIdentity in the trust policy.
	SourceIdentity string
	// Context are extra condition keys of the call (aws:SourceIp, …).
	Context map[string][]string
	// MFA is set when the caller gave a valid code of their MFA device
	// (SerialNumber and TokenCode, checked by the caller's account): the
	// trust policy sees aws:MultiFactorAuthPresent, and so does the
	// session.
	MFA bool
}

// sessionNameRE is the pattern of a role session name, and of a source
// identity, which AWS's model gives the same.
var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

func errValidation(format string, args ...any) error {
	return awserr.Newf(400, "ValidationError", format, args...)
}

// token is what a session token seals.
type token struct {
	AccessKeyID, Secret string
	Kind                auth.Kind
	ARN, UserID         string
	Account, UserName   string
	Session             auth.Session
}

const tokenPurpose = "sekisho sts session token"

func (s *Service) issue(p auth.Principal, sess auth.Session) Credentials {
	t := token{AccessKeyID: auth.NewAccessKeyID("ASIA"), Secret: auth.NewSecretAccessKey(), Kind: p.Kind, ARN: p.ARN, UserID: p.UserID,
		Account: p.Account, UserName: p.UserName, Session: sess}
	b, _ := json.Marshal(t)
	if sess.RoleName != "" && s.IAM != nil {
		s.IAM.NoteRoleUse(sess.RoleName, s.Region)
	}
	return Credentials{AccessKeyId: t.AccessKeyID, SecretAccessKey: t.Secret, SessionToken: s.Key.Seal(tokenPurpose, b), Expiration: sess.Expires}
}

// Credential implements auth.Source for temporary credentials.
func (s *Service) Credential(_ context.Context, id, tok string) (auth.Credential, error) {
	if tok == "" {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	if !strings.HasPrefix(id, "ASIA") {
		return auth.Credential{}, auth.ErrInvalidToken
	}
	b, err := s.Key.Open(tokenPurpose, tok)
	if err != nil {
		return auth.Credential{}, auth.ErrInvalidToken
	}
	var t token
	if err := json.Unmarshal(b, &t); err != nil || t.AccessKeyID != id {
		return auth.Credential{}, auth.ErrInvalidToken
	}
	if !s.now().Before(t.Session.Expires) {
		return auth.Credential{}, auth.ErrExpiredToken
	}
	sess := t.Session
	return auth.Credential{SecretAccessKey: t.Secret, Principal: &auth.Principal{
		Kind: t.Kind, Account: t.Account, ARN: t.ARN, UserID: t.UserID, AccessKeyID: id, Temporary: true, UserName: t.UserName, Session: &sess,
	}}, nil
}

func (s *Service) denied(p *auth.Principal, action, resource, why string) error {
	return awserr.Newf(403, "AccessDenied", "User: %s is not authorized to perform: %s on resource: %s%s", p.ARN, action, resource, why)
}

// AssumeRole issues credentials for a role the caller may assume: the
// role's trust policy, and unless it names the caller, the caller's own
// policies, must allow sts:AssumeRole (and sts:TagSession with tags).
func (s *Service) AssumeRole(ctx context.Context, caller *auth.Principal, callerPolicies *iam.Policies, in AssumeRoleInput) (*AssumeRoleOutput, error) {
	if !sessionNameRE.MatchString(in.RoleSessionName) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", in.RoleSessionName)
	}
	if caller.Kind == auth.Root {
		return nil, awserr.New(403, "AccessDenied", "Roles may not be assumed by root accounts.")
	}
	role, err := s.IAM.RoleByARN(ctx, in.RoleArn)
	if err != nil {
		return nil, s.denied(caller, "sts:AssumeRole", in.RoleArn, "")
	}
	dur := in.DurationSeconds
	if dur == 0 {
		dur = 3600
	}
	if dur < 900 {
		return nil, errValidation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", dur)
	}
	if dur > role.MaxSessionDuration {
		return nil, errValidation("The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}
	if caller.Kind == auth.AssumedRole && dur > 3600 {
		return nil, errValidation("The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	sess, size, err := s.sessionBase(ctx, role, in.RoleSessionName, in.Policy, in.PolicyArns, in.Tags, in.TransitiveTagKeys, caller)
	if err != nil {
		return nil, err
	}
	source := in.SourceIdentity
	if source != "" && !sessionNameRE.MatchString(source) {
		return nil, errValidation("1 validation error detected: Value '%s' at 'sourceIdentity' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]* and have length between 2 and 64", source)
	}
	if caller.Session != nil && caller.Session.Source != "" {
		if source != "" && source != caller.Session.Source {
			return nil, awserr.New(403, "AccessDenied", "The source identity of a session cannot be changed by role chaining.")
		}
		source = caller.Session.Source
	}
	sess.Source = source
	trust, err := s.IAM.TrustPolicy(role)
	if err != nil {
		return nil, err
	}
	actions := trustActions(in.Tags)
	if source != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, action := range actions {
		r := &policy.Request{Action: action, Resource: role.ARN, Principal: iam.PolicyPrincipal(caller)}
		iam.SetPrincipalKeys(r, caller, callerPolicies)
		for k, v := range in.Context {
			r.Set(k, v...)
		}
		if in.ExternalId != "" {
			r.Set("sts:ExternalId", in.ExternalId)
		}
		r.Set("sts:RoleSessionName", in.RoleSessionName)
		if in.MFA {
			r.Set("aws:MultiFactorAuthPresent", "true")
			r.Set("aws:MultiFactorAuthAge", "0")
		}
		setRequestTags(r, in.Tags)
		if source != "" {
			r.Set("sts:SourceIdentity", source)
		}
		pin := policy.TrustInput{Request: r, Trust: trust, RoleAccount: s.Account}
		if callerPolicies != nil {
			pin.Identity, pin.Session, pin.HasSession = callerPolicies.Identity, callerPolicies.Session, callerPolicies.HasSession
		}
		if res := policy.AuthorizeTrust(pin); !res.Allowed() {
			return nil, awserr.New(403, "AccessDenied", res.Message(r))
		}
	}
	now := s.now()
	sess.Issued, sess.Expires = now.Truncate(time.Second), now.Add(time.Duration(dur)*time.Second).Truncate(time.Second)
	sess.MFA = in.MFA || caller.Session != nil && caller.Session.MFA
	p := auth.Principal{Kind: auth.AssumedRole, Account: s.Account,
		ARN:    "arn:aws:sts::" + s.Account + ":assumed-role/" + role.Name + "/" + in.RoleSessionName,
		UserID: role.ID + ":" + in.RoleSessionName}
	creds := s.issue(p, sess)
	return &AssumeRoleOutput{Credentials: creds, AssumedRoleUser: AssumedRoleUser{Arn: p.ARN, AssumedRoleId: p.UserID}, PackedPolicySize: size, SourceIdentity: source}, nil
}

func trustActions(tags []iam.Tag) []string {
	if len(tags) > 0 {
		return []string{"sts:AssumeRole", "sts:TagSession"}
	}
	return []string{"sts:AssumeRole"}
}

// sessionBase validates session policies and tags and starts the session
// record; size is the packed policy size as a percentage of the limit.
func (s *Service) sessionBase(ctx context.Context, role iam.Role, name, doc string, arns []string, tags []iam.Tag, transitive []string, caller *auth.Principal) (auth.Session, int, error) {
	sess := auth.Session{RoleName: role.Name, RoleARN: role.ARN, RoleID: role.ID, SessionName: name}
	size := 0
	if doc != "" {
		if len(doc) > 2048 {
			return sess, 0, awserr.New(400, "PackedPolicyTooLarge", "Packed policy consumes more than 100% of the allotted space.")
		}
		if _, err := s.IAM.Compile(doc, policy.Identity); err != nil {
			return sess, 0, err
		}
		sess.Policy = doc
		size = len(doc) * 100 / 2048
	}
	if len(arns) > 10 {
		return sess, 0, errValidation("1 validation error detected: Value at 'policyArns' failed to satisfy constraint: Member must have length less than or equal to 10")
	}
	for _, a := range arns {
		if _, err := s.IAM.GetPolicy(ctx, a); err != nil {
			return sess, 0, errValidation("The policy %s does not exist or is not attachable.", a)
		}
	}
	sess.PolicyArns = arns
	if len(tags) > 50 {
		return sess, 0, errValidation("1 validation error detected: Value at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")
	}
	sess.Tags = map[string]string{}
	// Transitive tags of a chained session carry over.
	if caller.Session != nil {
		for _, k := range caller.Session.TransitiveTagKeys {
			if v, ok := caller.Session.Tags[k]; ok {
				sess.Tags[k] = v
				sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, k)
			}
		}
	}
	seen := map[string]bool{}
	for i, t := range tags {
		if err := validTag(i+1, t); err != nil {
			return sess, 0, err
		}
		lk := strings.ToLower(t.Key)
		if seen[lk] {
			return sess, 0, awserr.New(400, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[lk] = true
		sess.Tags[t.Key] = t.Value
	}
	for _, k := range transitive {
		if _, ok := sess.Tags[k]; !ok {
			return sess, 0, awserr.Newf(400, "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags: %s", k)
		}
		sess.TransitiveTagKeys = append(sess.TransitiveTagKeys, k)
	}
	return sess, size, nil
}

// tagRE is the pattern AWS's model gives session tag keys and values.
var tagRE = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$`)

const tagPattern = `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`

// validTag checks the i-th (1-based) session tag as AWS's model does:
// keys of 1–128 and values of 0–256 characters, both of tagPattern.
func validTag(i int, t iam.Tag) error {
	switch {
	case utf8.RuneCountInString(t.Key) < 1:
		return errValidation("1 validation error detected: Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1", t.Key, i)
	case utf8.RuneCountInString(t.Key) > 128:
		return errValidation("1 validation error detected: Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must have length less than or equal to 128", t.Key, i)
	case !tagRE.MatchString(t.Key):
		return errValidation("1 validation error detected: Value '%s' at 'tags.%d.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", t.Key, i, tagPattern)
	case utf8.RuneCountInString(t.Value) > 256:
		return errValidation("1 validation error detected: Value '%s' at 'tags.%d.member.value' failed to satisfy constraint: Member must have length less than or equal to 256", t.Value, i)
	case !tagRE.MatchString(t.Value):
		return errValidation("1 validation error detected: Value '%s' at 'tags.%d.member.value' failed to satisfy constraint: Member must satisfy regular expression pattern: %s", t.Value, i, tagPattern)
	}
	return nil
}

func setRequestTags(r *policy.Request, tags []iam.Tag) {
	var keys []string
	for _, t := range tags {
		r.Set("aws:RequestTag/"+t.Key, t.Value)
		keys = append(keys, t.Key)
	}
	if len(keys) > 0 {
		r.Set("aws:TagKeys", keys...)
	}
}

// GetSessionTokenOutput is GetSessionToken's result.
type GetSessionTokenOutput struct {
	Credentials Credentials `xml:"Credentials"`
}

// GetSessionToken issues temporary credentials for an IAM user (or root)
// signing with long-term keys.
func (s *Service) GetSessionToken(ctx context.Context, caller *auth.Principal, durationSeconds int, serial, code string) (*GetSessionTokenOutput, error) {
	maxDur, err := longTermCaller(caller, "GetSessionToken")
	if err != nil {
		return nil, err
	}
	if durationSeconds == 0 {
		durationSeconds = min(43200, maxDur)
	}
	if durationSeconds < 900 || durationSeconds > maxDur {
		return nil, errValidation("1 validation error detected: Value '%d' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and %d", durationSeconds, maxDur)
	}
	now := s.now()
	sess := auth.Session{Issued: now.Truncate(time.Second), Expires: now.Add(time.Duration(durationSeconds) * time.Second).Truncate(time.Second)}
	if serial != "" || code != "" {
		if serial == "" || len(code) != 6 {
			return nil, errValidation("1 validation error detected: Value '%s' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6", code)
		}
		if caller.Kind != auth.User || s.IAM == nil {
			return nil, awserr.New(403, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code. ")
		}
		if err := s.IAM.CheckMFA(ctx, caller.UserName, serial, code); err != nil {
			return nil, err
		}
		sess.MFA = true
	}
	p := *caller
	p.AccessKeyID = ""
	return &GetSessionTokenOutput{Credentials: s.issue(p, sess)}, nil
}

// UserSession issues an IAM user's temporary credentials for a console
// sign-in that checked the user's password (and MFA code: mfa), as
// GetSessionToken does for the user's keys.
func (s *Service) UserSession(p auth.Principal, mfa bool, d time.Duration) Credentials {
	now := s.now()
	p.AccessKeyID = ""
	return s.issue(p, auth.Session{Issued: now.Truncate(time.Second), Expires: now.Add(d).Truncate(time.Second), MFA: mfa})
}

// longTermCaller admits the callers of GetSessionToken and
// GetFederationToken — an IAM user or the root, signing with long-term
// keys — and returns the longest session each may have.
func longTermCaller(caller *auth.Principal, op string) (int, error) {
	if caller.Temporary {
		return 0, awserr.New(403, "AccessDenied", "Cannot call "+op+" with session credentials")
	}
	if caller.Kind != auth.User && caller.Kind != auth.Root {
		return 0, awserr.New(403, "AccessDenied", op+" is for IAM users and the account root.")
	}
	if caller.Kind == auth.Root {
		return 3600, nil
	}
	return 129600, nil
}
