package sts

import (
	"context"
	"encoding/json"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
)

// FederatedUser names a GetFederationToken session.
type FederatedUser struct {
	Arn             string `xml:"Arn"`
	FederatedUserId string `xml:"FederatedUserId"`
}

// GetFederationTokenOutput is GetFederationToken's result.
type GetFederationTokenOutput struct {
	Credentials      Credentials   `xml:"Credentials"`
	FederatedUser    FederatedUser `xml:"FederatedUser"`
	PackedPolicySize int           `xml:"PackedPolicySize"`
}

// FederationInput is a GetFederationToken request.
type FederationInput struct {
	Name            string
	DurationSeconds int
	Policy          string
	PolicyArns      []string
	Tags            []iam.Tag
}

// GetFederationToken issues credentials for a federated user on behalf of
// an IAM user (or the account root) signing with long-term keys. As in
// AWS, the session may do only what both the caller's policies and the
// session policies passed here allow: without session policies it may do
// nothing.
func (s *Service) GetFederationToken(ctx context.Context, caller *auth.Principal, in FederationInput) (*GetFederationTokenOutput, error) {
	maxDur, err := longTermCaller(caller, "GetFederationToken")
	if err != nil {
		return nil, err
	}
	dur := in.DurationSeconds
	if dur == 0 {
		dur = min(43200, maxDur)
	}
	if dur > maxDur {
		return nil, errValidation("The requested DurationSeconds exceeds the %d second limit for this caller.", maxDur)
	}
	sess, size, err := s.sessionBase(ctx, iam.Role{}, in.Name, in.Policy, in.PolicyArns, in.Tags, nil, caller)
	if err != nil {
		return nil, err
	}
	now := s.now()
	sess.Issued, sess.Expires = now.Truncate(time.Second), now.Add(time.Duration(dur)*time.Second).Truncate(time.Second)
	sess.Federation = true
	p := auth.Principal{Kind: auth.FederatedUser, Account: caller.Account,
		ARN:      "arn:aws:sts::" + caller.Account + ":federated-user/" + in.Name,
		UserID:   caller.Account + ":" + in.Name,
		UserName: caller.UserName}
	return &GetFederationTokenOutput{Credentials: s.issue(p, sess), FederatedUser: FederatedUser{Arn: p.ARN, FederatedUserId: p.UserID}, PackedPolicySize: size}, nil
}

// GetAccessKeyInfoOutput is GetAccessKeyInfo's result.
type GetAccessKeyInfoOutput struct {
	Account string `xml:"Account"`
}

const authzMessagePurpose = "sekisho sts authorization message"

// EncodeAuthorizationMessage seals the context of a denial so that only
// DecodeAuthorizationMessage, called by someone allowed to, can read it.
func (s *Service) EncodeAuthorizationMessage(m DecodedAuthorization) string {
	b, _ := json.Marshal(m)
	return s.Key.Seal(authzMessagePurpose, b)
}

// DecodedAuthorization is what an encoded authorization message holds, in
// the shape AWS's decoded messages have.
type DecodedAuthorization struct {
	Allowed      bool `json:"allowed"`
	ExplicitDeny bool `json:"explicitDeny"`
	Context      struct {
		Principal struct {
			ID  string `json:"id"`
			Arn string `json:"arn"`
		} `json:"principal"`
		Action     string              `json:"action"`
		Resource   string              `json:"resource"`
		Conditions map[string][]string `json:"conditions,omitempty"`
	} `json:"context"`
}

// DecodeAuthorizationMessageOutput is DecodeAuthorizationMessage's result.
type DecodeAuthorizationMessageOutput struct {
	DecodedMessage string `xml:"DecodedMessage"`
}

// DecodeAuthorizationMessage opens an encoded authorization message.
func (s *Service) DecodeAuthorizationMessage(_ context.Context, encoded string) (*DecodeAuthorizationMessageOutput, error) {
	b, err := s.Key.Open(authzMessagePurpose, encoded)
	if err != nil {
		return nil, awserr.New(400, "InvalidAuthorizationMessageException", "The message is invalid.")
	}
	return &DecodeAuthorizationMessageOutput{DecodedMessage: string(b)}, nil
}
