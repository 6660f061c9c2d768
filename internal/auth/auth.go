// Package auth defines who a request comes from and how the server finds the
// secret behind an access key.
//
// Request verification (package sigv4) asks a Source for the Credential of an
// access key id; each kind of credential (the root keys, IAM users' keys, STS
// session credentials) is a Source, and Sources are chained so later parts of
// the server plug in without the verifier knowing about them.
package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"time"
)

// Kind says what sort of principal made a request.
type Kind int

const (
	// Anonymous is an unsigned request.
	Anonymous Kind = iota
	// Root is the account's root user.
	Root
	// User is an IAM user signing with a long-term access key.
	User
	// AssumedRole is a role session created by STS or an identity pool.
	AssumedRole
	// FederatedUser is a GetFederationToken session.
	FederatedUser
)

func (k Kind) String() string {
	switch k {
	case Root:
		return "Root"
	case User:
		return "IAMUser"
	case AssumedRole:
		return "AssumedRole"
	case FederatedUser:
		return "FederatedUser"
	}
	return "Anonymous"
}

// Principal is the authenticated caller of a request.
type Principal struct {
	Kind Kind
	// Account is the 12-digit account id the principal belongs to.
	Account string
	// ARN is what sts:GetCallerIdentity reports, e.g.
	// "arn:aws:iam::123456789012:root" or
	// "arn:aws:sts::123456789012:assumed-role/Role/Session".
	ARN string
	// UserID is the aws:userid value: the account id for root, the AIDA…
	// id for users, "AROA…:session" for role sessions.
	UserID string
	// AccessKeyID is the key the request was signed with, if any.
	AccessKeyID string
	// Temporary is true for credentials that came with a session token.
	Temporary bool
	// UserName is set for IAM users (and their GetSessionToken sessions).
	UserName string
	// Session describes a role session (Kind AssumedRole) or a user's
	// GetSessionToken session; nil for long-term credentials.
	Session *Session
}

// Session is what a session token carries about the session it grants.
type Session struct {
	RoleName, RoleARN, RoleID string
	SessionName               string
	// Policy is an inline session policy and PolicyArns managed ones; when
	// either is set, they bound what the role's policies allow.
	Policy     string   `json:",omitempty"`
	PolicyArns []string `json:",omitempty"`
	// Tags are session tags (aws:PrincipalTag/<key>), TransitiveTagKeys
	// those passed on to chained sessions.
	Tags              map[string]string `json:",omitempty"`
	TransitiveTagKeys []string          `json:",omitempty"`
	Issued, Expires   time.Time
	// Claims are condition keys a web identity brought, such as
	// "cognito-identity.amazonaws.com:sub", with their values.
	Claims map[string][]string `json:",omitempty"`
	// Federated is the web identity provider for AssumeRoleWithWebIdentity
	// sessions ("cognito-identity.amazonaws.com" or an OIDC provider).
	Federated string `json:",omitempty"`
	// Source is the SourceIdentity set when the session began.
	Source string `json:",omitempty"`
	// MFA: the session began with a verified MFA code.
	MFA bool `json:",omitempty"`
	// Federation: a GetFederationToken session, which may do only what
	// its session policies allow (none allow nothing).
	Federation bool `json:",omitempty"`
}

// SourceIdentity returns the session's source identity, if any.
func (s *Session) SourceIdentity() string { return s.Source }

// AnonymousPrincipal is the principal of unsigned requests.
var AnonymousPrincipal = &Principal{Kind: Anonymous, ARN: "*", UserID: "anonymous"}

// Credential is a secret key and the principal it authenticates.
type Credential struct {
	SecretAccessKey string
	Principal       *Principal
}

// Sentinel errors returned by Sources. The HTTP front maps them to each
// protocol's codes (for example InvalidAccessKeyId in S3 and
// InvalidClientTokenId in STS).
var (
	// ErrUnknownAccessKey: no credential has this access key id, or the key
	// is inactive.
	ErrUnknownAccessKey = errors.New("auth: unknown access key id")
	// ErrInvalidToken: the session token is missing, malformed, forged or
	// does not belong to the access key.
	ErrInvalidToken = errors.New("auth: invalid session token")
	// ErrExpiredToken: the session token was valid but has expired.
	ErrExpiredToken = errors.New("auth: expired session token")
)

// Source looks up the credential for an access key id. sessionToken is the
// X-Amz-Security-Token of the request ("" when absent). A Source that does
// not know the key returns ErrUnknownAccessKey so the next Source is tried.
type Source interface {
	Credential(ctx context.Context, accessKeyID, sessionToken string) (Credential, error)
}

// Chain tries each Source in order and returns the first credential found.
type Chain []Source

// Credential implements Source.
func (c Chain) Credential(ctx context.Context, accessKeyID, sessionToken string) (Credential, error) {
	for _, s := range c {
		cred, err := s.Credential(ctx, accessKeyID, sessionToken)
		if errors.Is(err, ErrUnknownAccessKey) {
			continue
		}
		return cred, err
	}
	return Credential{}, ErrUnknownAccessKey
}

// Static is a Source holding a fixed set of long-term keys (the root keys).
// Keys in a Static source never accept a session token.
type Static map[string]Credential

// Credential implements Source.
func (s Static) Credential(_ context.Context, accessKeyID, sessionToken string) (Credential, error) {
	c, ok := s[accessKeyID]
	if !ok {
		return Credential{}, ErrUnknownAccessKey
	}
	if sessionToken != "" {
		return Credential{}, ErrInvalidToken
	}
	return c, nil
}

// RootPrincipal returns the root principal of an account.
func RootPrincipal(account, accessKeyID string) *Principal {
	return &Principal{
		Kind:        Root,
		Account:     account,
		ARN:         "arn:aws:iam::" + account + ":root",
		UserID:      account,
		AccessKeyID: accessKeyID,
	}
}

const keyAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"

// NewAccessKeyID returns a random 20-character access key id with the given
// 4-letter prefix ("AKIA" for long-term keys, "ASIA" for temporary ones).
func NewAccessKeyID(prefix string) string {
	b := make([]byte, 20-len(prefix))
	rand.Read(b)
	for i := range b {
		b[i] = keyAlphabet[int(b[i])%len(keyAlphabet)]
	}
	return prefix + string(b)
}

const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

// NewSecretAccessKey returns a random 40-character secret access key.
func NewSecretAccessKey() string {
	b := make([]byte, 40)
	rand.Read(b)
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return string(b)
}
