package front

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/sekisho/sekisho/internal/account"
	"github.com/sekisho/sekisho/internal/awserr"
)

// Organizations, the part that makes accounts: CreateAccount (answered
// SUCCEEDED at once), DescribeCreateAccountStatus, DescribeAccount and
// ListAccounts, for principals of the management account (the server's
// own), authorized as organizations:<Operation>.

// orgID is the organization's id, stable for the management account.
func orgID(mgmt string) string {
	sum := sha256.Sum256([]byte("sekisho organization " + mgmt))
	return "o-" + hex.EncodeToString(sum[:])[:10]
}

type orgAccount struct {
	Id, Arn, Email, Name, Status, JoinedMethod string
	JoinedTimestamp                            float64
}

func toOrgAccount(mgmt string, a account.Account) orgAccount {
	return orgAccount{
		Id: a.ID, Arn: "arn:aws:organizations::" + mgmt + ":account/" + orgID(mgmt) + "/" + a.ID,
		Email: a.Email, Name: a.Name, Status: "ACTIVE", JoinedMethod: "CREATED",
		JoinedTimestamp: float64(a.Created.Unix()),
	}
}

type createAccountStatus struct {
	Id, AccountName, State, AccountId string
	RequestedTimestamp                float64
	CompletedTimestamp                float64
}

// statusID is the CreateAccount request id of an account: "car-" and 32
// hex digits derived from it, so DescribeCreateAccountStatus needs no
// record of its own.
func statusID(acct string) string {
	sum := sha256.Sum256([]byte("sekisho create account request " + acct))
	return "car-" + hex.EncodeToString(sum[:16])
}

func statusOf(a account.Account) createAccountStatus {
	t := float64(a.Created.Unix())
	return createAccountStatus{Id: statusID(a.ID), AccountName: a.Name, State: "SUCCEEDED", AccountId: a.ID, RequestedTimestamp: t, CompletedTimestamp: t}
}

// organizationsOps is the Organizations table over the account service.
func organizationsOps(svc *account.Service, mgmt string) map[string]*op {
	only := func(ctx context.Context) error {
		if p := caller(ctx); p.Account != mgmt {
			return awserr.New(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
		}
		return nil
	}
	methods := map[string]method{
		"CreateAccount": typed(func(ctx context.Context, in *struct{ AccountName, Email string }) (any, error) {
			if err := only(ctx); err != nil {
				return nil, err
			}
			a, err := svc.Create(ctx, in.AccountName, in.Email)
			if err != nil {
				return nil, err
			}
			return map[string]any{"CreateAccountStatus": statusOf(a)}, nil
		}),
		"DescribeCreateAccountStatus": typed(func(ctx context.Context, in *struct{ CreateAccountRequestId string }) (any, error) {
			if err := only(ctx); err != nil {
				return nil, err
			}
			all, err := svc.List(ctx)
			if err != nil {
				return nil, err
			}
			for _, a := range all {
				if statusID(a.ID) == in.CreateAccountRequestId {
					return map[string]any{"CreateAccountStatus": statusOf(a)}, nil
				}
			}
			return nil, awserr.New(400, "CreateAccountStatusNotFoundException", "We can't find an create account request with the CreateAccountRequestId that you specified.")
		}),
		"DescribeAccount": typed(func(ctx context.Context, in *struct{ AccountId string }) (any, error) {
			if err := only(ctx); err != nil {
				return nil, err
			}
			a, err := svc.Get(ctx, in.AccountId)
			if err != nil {
				return nil, err
			}
			return map[string]any{"Account": toOrgAccount(mgmt, a)}, nil
		}),
		"ListAccounts": typed(func(ctx context.Context, _ *struct{}) (any, error) {
			if err := only(ctx); err != nil {
				return nil, err
			}
			all, err := svc.List(ctx)
			out := []orgAccount{}
			for _, a := range all {
				out = append(out, toOrgAccount(mgmt, a))
			}
			return map[string]any{"Accounts": out}, err
		}),
	}
	ops := map[string]*op{}
	rows(ops, methods, false, "organizations:", nil, nil)
	return ops
}
