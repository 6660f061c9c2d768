package front

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"strings"
	"sync"

	"github.com/sekisho/sekisho/internal/account"
	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/idpool"
	"github.com/sekisho/sekisho/internal/userpool"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/sts"
)

// Tenant is one account's IAM and STS. The management account's are
// Config.IAM and Config.STS; a member account's come from Config.Tenant.
type Tenant struct {
	IAM           *iam.Service
	STS           *sts.Service
	UserPools     *userpool.Service
	IdentityPools *idpool.Service
}

// tenants caches member accounts' operation tables, by service and
// account.
type tenants struct {
	mu     sync.Mutex
	tables map[[2]string]*table
}

// tenantOf returns an account's IAM and STS.
func tenantOf(cfg Config, ctx context.Context, acct string) (*Tenant, error) {
	if acct == "" || acct == cfg.Account || cfg.Tenant == nil {
		if cfg.IAM == nil {
			return nil, awserr.New(501, "NotImplemented", "IAM is not served.")
		}
		if acct != "" && acct != cfg.Account {
			return nil, awserr.Newf(501, "NotImplemented", "sekisho serves IAM only for its own account (%s).", cfg.Account)
		}
		return &Tenant{IAM: cfg.IAM, STS: cfg.STS, UserPools: cfg.UserPools, IdentityPools: cfg.IdentityPools}, nil
	}
	return cfg.Tenant(ctx, acct)
}

func (h *Handler) tenantOf(ctx context.Context, acct string) (*Tenant, error) {
	return tenantOf(h.cfg, ctx, acct)
}

// memberTable returns the table of a service (IAM, user pools, identity
// pools) that a call for a member account reaches; nil for a service
// every account shares.
func (h *Handler) memberTable(ctx context.Context, service, acct string) (*table, error) {
	key := [2]string{service, acct}
	h.tenants.mu.Lock()
	defer h.tenants.mu.Unlock()
	if t, ok := h.tenants.tables[key]; ok {
		return t, nil
	}
	var t *table
	switch service {
	case "iam", "cognito-idp", "cognito-identity":
	default:
		return nil, nil
	}
	ten, err := h.tenantOf(ctx, acct)
	if err != nil {
		return nil, err
	}
	switch service {
	case "iam":
		t = &table{Service: "iam", Version: "2010-05-08", Xmlns: queryNamespaces["iam"], Ops: iamOps(ten.IAM, acct, h.cfg.PublicURL)}
	case "cognito-idp":
		if ten.UserPools == nil {
			return nil, nil
		}
		t = &table{Service: service, Ops: cognitoIdpOps(ten.UserPools, h.cfg.PublicURL)}
	case "cognito-identity":
		if ten.IdentityPools == nil {
			return nil, nil
		}
		t = &table{Service: service, Ops: cognitoIdentityOps(ten.IdentityPools)}
	}
	if h.tenants.tables == nil {
		h.tenants.tables = map[[2]string]*table{}
	}
	h.tenants.tables[key] = t
	return t, nil
}

// callAccount is the account whose resources a call reaches: a signed
// call's principal's; for an unsigned Cognito call (a sign-in, a guest's
// credentials), the account its client, pool, identity or token names.
func (h *Handler) callAccount(c *apiCall) string {
	if c.p != nil && c.p.Kind != auth.Anonymous {
		return c.p.Account
	}
	if c.service != "cognito-idp" && c.service != "cognito-identity" || len(c.body) == 0 {
		return ""
	}
	var ids struct {
		ClientId, UserPoolId, IdentityPoolId, IdentityId, AccessToken string
	}
	if json.Unmarshal(c.body, &ids) != nil {
		return ""
	}
	if ids.AccessToken != "" {
		ids.UserPoolId, ids.ClientId = tokenPool(ids.AccessToken)
	}
	for _, id := range []string{ids.ClientId, ids.UserPoolId, ids.IdentityPoolId, ids.IdentityId} {
		if acct, ok := account.OfID(id); ok {
			return acct
		}
	}
	return ""
}

// tokenPool reads, without verifying it, the pool (from "iss") and client
// of a user-pool token: only to route the call to the account whose
// service then verifies the token.
func tokenPool(tok string) (pool, client string) {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) > 8<<10 {
		return "", ""
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", ""
	}
	var claims struct {
		Iss      string `json:"iss"`
		ClientID string `json:"client_id"`
	}
	if json.Unmarshal(raw, &claims) != nil {
		return "", ""
	}
	return claims.Iss[strings.LastIndexByte(claims.Iss, '/')+1:], claims.ClientID
}

// arnAccount returns the account an ARN names ("" if none).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
