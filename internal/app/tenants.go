package app

import (
	"context"
	"sync"

	"github.com/sekisho/sekisho/internal/account"
	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/front"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/idpool"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/sts"
	"github.com/sekisho/sekisho/internal/userpool"
)

// tenants builds member accounts' IAM and STS on first use: the same
// services as the management account's, over the store's records in the
// account's own namespace ("acct:<id>/").
type tenants struct {
	meta     store.Store
	key      *seal.Key
	accounts *account.Service
	// cfg and the management account's user pools give member accounts'
	// user pools their issuer, outbox and log.
	cfg  *Config
	mgmt *userpool.Service

	mu sync.Mutex
	m  map[string]*front.Tenant
}

// Tenant returns a member account's IAM and STS.
func (t *tenants) Tenant(ctx context.Context, acct string) (*front.Tenant, error) {
	t.mu.Lock()
	ten, ok := t.m[acct]
	t.mu.Unlock()
	if ok {
		return ten, nil
	}
	exists, err := t.accounts.Exists(ctx, acct)
	if err != nil {
		return nil, err
	}
	if !exists {
		return nil, awserr.Newf(404, "NoSuchEntity", "The account %s does not exist on this server.", acct)
	}
	ns := store.WithRecordPrefix(t.meta, "acct:"+acct+"/")
	i := &iam.Service{Store: ns, Account: acct, Key: t.key, NewKeyID: func() string { return account.NewKeyID(acct) }}
	if t.cfg.StoreURL != "" {
		i.NoCache = true
	}
	st := &sts.Service{IAM: i, Key: t.key, Account: acct, Region: t.cfg.Region}
	ten = &front.Tenant{IAM: i, STS: st}
	if t.mgmt != nil {
		region := t.cfg.Region
		ups := &userpool.Service{Store: ns, Key: t.key, Account: acct, Region: region, Issuer: t.mgmt.Issuer, Log: t.mgmt.Log, Outbox: t.mgmt.Outbox,
			Domains: t.meta, AuthDomain: t.mgmt.AuthDomain, Upstream: t.mgmt.Upstream, Lambda: t.mgmt.Lambda, LightHash: t.mgmt.LightHash, Notify: t.mgmt.Notify, Peers: t.mgmt.Peers,
			NewPoolID: func(region string) string { return account.PoolID(region, acct) }, NewClientID: func() string { return account.ClientID(acct) }}
		ips := &idpool.Service{Store: ns, Key: t.key, Account: acct, Region: region, UserPools: ups, STS: st,
			NewUUID: func() string { return account.UUID(acct) }}
		st.Issuers = append(st.Issuers, ips)
		ten.UserPools, ten.IdentityPools = ups, ips
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*front.Tenant{}
	}
	if old, ok := t.m[acct]; ok {
		return old, nil
	}
	t.m[acct] = ten
	return ten, nil
}

// Credential implements auth.Source for member accounts' IAM users' keys:
// the key id names the account, whose IAM knows the key.
func (t *tenants) Credential(ctx context.Context, id, token string) (auth.Credential, error) {
	acct, ok := account.OfKey(id)
	if !ok || acct == t.accounts.Management {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	exists, err := t.accounts.Exists(ctx, acct)
	if err != nil || !exists {
		return auth.Credential{}, auth.ErrUnknownAccessKey
	}
	ten, err := t.Tenant(ctx, acct)
	if err != nil {
		return auth.Credential{}, err
	}
	return ten.IAM.Credential(ctx, id, token)
}
