// Package sts is the Security Token Service. It knows nothing of HTTP: the
// front decodes query-protocol requests into calls and encodes the results.
package sts

import (
	"context"

	"github.com/sekisho/sekisho/internal/auth"
)

// Service is STS.
type Service struct{}

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
