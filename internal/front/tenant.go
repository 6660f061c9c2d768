package front

import (
	"context"
	"strings"
	"sync"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/sts"
)

// Tenant is one account's IAM and STS. The management account's are
// Config.IAM and Config.STS; a member account's come from Config.Tenant.
type Tenant struct {
	IAM *iam.Service
	STS *sts.Service
}

// tenants caches member accounts' IAM operation tables.
type tenants struct {
	mu  sync.Mutex
	iam map[string]*table
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
		return &Tenant{IAM: cfg.IAM, STS: cfg.STS}, nil
	}
	return cfg.Tenant(ctx, acct)
}

func (h *Handler) tenantOf(ctx context.Context, acct string) (*Tenant, error) {
	return tenantOf(h.cfg, ctx, acct)
}

// iamTable returns the IAM table a principal of acct calls.
func (h *Handler) iamTable(ctx context.Context, acct string) (*table, error) {
	if acct == "" || acct == h.cfg.Account {
		return h.tables["iam"], nil
	}
	h.tenants.mu.Lock()
	defer h.tenants.mu.Unlock()
	if t, ok := h.tenants.iam[acct]; ok {
		return t, nil
	}
	ten, err := h.tenantOf(ctx, acct)
	if err != nil {
		return nil, err
	}
	t := &table{Service: "iam", Version: "2010-05-08", Xmlns: queryNamespaces["iam"], Ops: iamOps(ten.IAM, acct)}
	if h.tenants.iam == nil {
		h.tenants.iam = map[string]*table{}
	}
	h.tenants.iam[acct] = t
	return t, nil
}

// arnAccount returns the account an ARN names ("" if none).
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) < 6 {
		return ""
	}
	return parts[4]
}
