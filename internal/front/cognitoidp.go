package front

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/userpool"
)

// decode is DecodeJSON into a fresh T.
func decode[T any](body []byte) (T, error) {
	var v T
	err := DecodeJSON(body, &v)
	return v, err
}

type poolRef struct {
	UserPoolId string
}

type userRef struct {
	UserPoolId, Username string
}

// cognitoIdpOps is the user-pool operation table. Admin operations need a
// signature and are authorized as cognito-idp:<Operation> on the pool;
// the self-service ones are unauthenticated, as in AWS.
func cognitoIdpOps(svc *userpool.Service) map[string]jsonOp {
	type call = func(ctx context.Context, p *auth.Principal, body []byte) (any, error)
	admin := map[string]call{
		"CreateUserPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				PoolName string
				userpool.Pool
				Schema       []userpool.SchemaAttribute
				UserPoolTags map[string]string
			}](b)
			if err != nil {
				return nil, err
			}
			in.Pool.Name, in.Pool.SchemaAttributes = in.PoolName, in.Schema
			if in.UserPoolTags != nil {
				in.Pool.UserPoolTags = in.UserPoolTags
			}
			p, err := svc.CreatePool(ctx, in.Pool)
			return map[string]any{"UserPool": p}, err
		},
		"DescribeUserPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[poolRef](b)
			if err != nil {
				return nil, err
			}
			p, err := svc.Pool(ctx, in.UserPoolId)
			return map[string]any{"UserPool": p}, err
		},
		"UpdateUserPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				UserPoolId string
				userpool.Pool
			}](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.UpdatePoolSettings(ctx, in.UserPoolId, in.Pool)
		},
		"DeleteUserPool": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[poolRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.DeletePool(ctx, in.UserPoolId)
		},
		"ListUserPools": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			pools, err := svc.ListPools(ctx)
			out := []map[string]any{}
			for _, p := range pools {
				out = append(out, map[string]any{"Id": p.Id, "Name": p.Name, "CreationDate": p.CreationDate, "LastModifiedDate": p.LastModifiedDate})
			}
			return map[string]any{"UserPools": out}, err
		},
		"AddCustomAttributes": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				UserPoolId       string
				CustomAttributes []userpool.SchemaAttribute
			}](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AddCustomAttributes(ctx, in.UserPoolId, in.CustomAttributes)
		},
		"CreateUserPoolClient": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				userpool.Client
				GenerateSecret bool
			}](b)
			if err != nil {
				return nil, err
			}
			c, err := svc.CreateClient(ctx, in.Client, in.GenerateSecret)
			return map[string]any{"UserPoolClient": c}, err
		},
		"DescribeUserPoolClient": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, ClientId string }](b)
			if err != nil {
				return nil, err
			}
			c, err := svc.Client(ctx, in.UserPoolId, in.ClientId)
			return map[string]any{"UserPoolClient": c}, err
		},
		"UpdateUserPoolClient": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.Client](b)
			if err != nil {
				return nil, err
			}
			c, err := svc.UpdateClient(ctx, in)
			return map[string]any{"UserPoolClient": c}, err
		},
		"DeleteUserPoolClient": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, ClientId string }](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.DeleteClient(ctx, in.UserPoolId, in.ClientId)
		},
		"ListUserPoolClients": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[poolRef](b)
			if err != nil {
				return nil, err
			}
			cs, err := svc.ListClients(ctx, in.UserPoolId)
			out := []map[string]string{}
			for _, c := range cs {
				out = append(out, map[string]string{"ClientId": c.ClientId, "ClientName": c.ClientName, "UserPoolId": c.UserPoolId})
			}
			return map[string]any{"UserPoolClients": out}, err
		},
		"AdminCreateUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.CreateUserInput](b)
			if err != nil {
				return nil, err
			}
			u, err := svc.AdminCreateUser(ctx, in)
			return map[string]any{"User": u.View(true)}, err
		},
		"AdminGetUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			u, err := svc.AdminGetUser(ctx, in.UserPoolId, in.Username)
			if err != nil {
				return nil, err
			}
			v := u.View(false)
			return map[string]any{"Username": v.Username, "UserAttributes": v.UserAttributes, "UserCreateDate": v.UserCreateDate,
				"UserLastModifiedDate": v.UserLastModifiedDate, "Enabled": v.Enabled, "UserStatus": v.UserStatus}, nil
		},
		"ListUsers": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				UserPoolId, Filter, PaginationToken string
				Limit                               int
				AttributesToGet                     []string
			}](b)
			if err != nil {
				return nil, err
			}
			users, next, err := svc.ListUsers(ctx, in.UserPoolId, in.Filter, in.Limit, in.PaginationToken)
			out := map[string]any{"Users": viewUsers(users, in.AttributesToGet)}
			if next != "" {
				out["PaginationToken"] = next
			}
			return out, err
		},
		"AdminDeleteUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminDeleteUser(ctx, in.UserPoolId, in.Username)
		},
		"AdminUpdateUserAttributes": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				UserPoolId, Username string
				UserAttributes       []userpool.AttributeType
			}](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminUpdateUserAttributes(ctx, in.UserPoolId, in.Username, in.UserAttributes)
		},
		"AdminDeleteUserAttributes": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				UserPoolId, Username string
				UserAttributeNames   []string
			}](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminDeleteUserAttributes(ctx, in.UserPoolId, in.Username, in.UserAttributeNames)
		},
		"AdminEnableUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminSetEnabled(ctx, in.UserPoolId, in.Username, true)
		},
		"AdminDisableUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminSetEnabled(ctx, in.UserPoolId, in.Username, false)
		},
		"AdminSetUserPassword": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct {
				UserPoolId, Username, Password string
				Permanent                      bool
			}](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminSetUserPassword(ctx, in.UserPoolId, in.Username, in.Password, in.Permanent)
		},
		"AdminResetUserPassword": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminResetUserPassword(ctx, in.UserPoolId, in.Username)
		},
		"AdminConfirmSignUp": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminConfirmSignUp(ctx, in.UserPoolId, in.Username)
		},
		"AdminUserGlobalSignOut": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			u, err := svc.AdminGetUser(ctx, in.UserPoolId, in.Username)
			if err != nil {
				return nil, err
			}
			return nil, svc.GlobalSignOut(ctx, in.UserPoolId, u.Username)
		},
		"CreateGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.Group](b)
			if err != nil {
				return nil, err
			}
			g, err := svc.CreateGroup(ctx, in)
			return map[string]any{"Group": g}, err
		},
		"GetGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, GroupName string }](b)
			if err != nil {
				return nil, err
			}
			g, err := svc.GetGroup(ctx, in.UserPoolId, in.GroupName)
			return map[string]any{"Group": g}, err
		},
		"UpdateGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.Group](b)
			if err != nil {
				return nil, err
			}
			var raw map[string]json.RawMessage
			json.Unmarshal(b, &raw)
			_, d := raw["Description"]
			_, r := raw["RoleArn"]
			_, p := raw["Precedence"]
			g, err := svc.UpdateGroup(ctx, in, d, r, p)
			return map[string]any{"Group": g}, err
		},
		"DeleteGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, GroupName string }](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.DeleteGroup(ctx, in.UserPoolId, in.GroupName)
		},
		"ListGroups": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[poolRef](b)
			if err != nil {
				return nil, err
			}
			gs, err := svc.ListGroups(ctx, in.UserPoolId)
			if gs == nil {
				gs = []userpool.Group{}
			}
			return map[string]any{"Groups": gs}, err
		},
		"AdminAddUserToGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, Username, GroupName string }](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminAddUserToGroup(ctx, in.UserPoolId, in.Username, in.GroupName)
		},
		"AdminRemoveUserFromGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, Username, GroupName string }](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.AdminRemoveUserFromGroup(ctx, in.UserPoolId, in.Username, in.GroupName)
		},
		"AdminListGroupsForUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userRef](b)
			if err != nil {
				return nil, err
			}
			gs, err := svc.AdminListGroupsForUser(ctx, in.UserPoolId, in.Username)
			if gs == nil {
				gs = []userpool.Group{}
			}
			return map[string]any{"Groups": gs}, err
		},
		"ListUsersInGroup": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[struct{ UserPoolId, GroupName string }](b)
			if err != nil {
				return nil, err
			}
			us, err := svc.ListUsersInGroup(ctx, in.UserPoolId, in.GroupName)
			return map[string]any{"Users": viewUsers(us, nil)}, err
		},
		"AdminInitiateAuth": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.AuthInput](b)
			if err != nil {
				return nil, err
			}
			in.Admin = true
			return svc.InitiateAuth(ctx, in)
		},
		"AdminRespondToAuthChallenge": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.ChallengeInput](b)
			if err != nil {
				return nil, err
			}
			in.Admin = true
			return svc.RespondToAuthChallenge(ctx, in)
		},
	}
	type self struct {
		ClientId, SecretHash, Username, Password, ConfirmationCode, AccessToken string
		PreviousPassword, ProposedPassword, AttributeName, Code, Token          string
		ClientSecret, RefreshToken                                              string
		UserAttributes                                                          []userpool.AttributeType
	}
	public := map[string]call{
		"InitiateAuth": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.AuthInput](b)
			if err != nil {
				return nil, err
			}
			in.Admin = false
			return svc.InitiateAuth(ctx, in)
		},
		"RespondToAuthChallenge": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[userpool.ChallengeInput](b)
			if err != nil {
				return nil, err
			}
			in.Admin = false
			return svc.RespondToAuthChallenge(ctx, in)
		},
		"GetTokensFromRefreshToken": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			params := map[string]string{"REFRESH_TOKEN": in.RefreshToken}
			out, err := svc.InitiateAuth(ctx, userpool.AuthInput{ClientId: in.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: params, ClientSecret: in.ClientSecret})
			if err != nil {
				return nil, err
			}
			return map[string]any{"AuthenticationResult": out.AuthenticationResult}, nil
		},
		"SignUp": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return svc.SignUp(ctx, in.ClientId, in.SecretHash, in.Username, in.Password, in.UserAttributes)
		},
		"ConfirmSignUp": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.ConfirmSignUp(ctx, in.ClientId, in.SecretHash, in.Username, in.ConfirmationCode)
		},
		"ResendConfirmationCode": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			d, err := svc.ResendConfirmationCode(ctx, in.ClientId, in.SecretHash, in.Username)
			return map[string]any{"CodeDeliveryDetails": d}, err
		},
		"ForgotPassword": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			d, err := svc.ForgotPassword(ctx, in.ClientId, in.SecretHash, in.Username)
			return map[string]any{"CodeDeliveryDetails": d}, err
		},
		"ConfirmForgotPassword": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.ConfirmForgotPassword(ctx, in.ClientId, in.SecretHash, in.Username, in.ConfirmationCode, in.Password)
		},
		"ChangePassword": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.ChangePassword(ctx, in.AccessToken, in.PreviousPassword, in.ProposedPassword)
		},
		"GetUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			_, u, err := svc.AccessClaims(ctx, in.AccessToken)
			if err != nil {
				return nil, err
			}
			v := u.View(false)
			return map[string]any{"Username": v.Username, "UserAttributes": v.UserAttributes}, nil
		},
		"UpdateUserAttributes": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			d, err := svc.UpdateUserAttributes(ctx, in.AccessToken, in.UserAttributes)
			if d == nil {
				d = []userpool.CodeDelivery{}
			}
			return map[string]any{"CodeDeliveryDetailsList": d}, err
		},
		"GetUserAttributeVerificationCode": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			d, err := svc.GetUserAttributeVerificationCode(ctx, in.AccessToken, in.AttributeName)
			return map[string]any{"CodeDeliveryDetails": d}, err
		},
		"VerifyUserAttribute": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.VerifyUserAttribute(ctx, in.AccessToken, in.AttributeName, in.Code)
		},
		"DeleteUser": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.DeleteUserSelf(ctx, in.AccessToken)
		},
		"GlobalSignOut": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			p, u, err := svc.AccessClaims(ctx, in.AccessToken)
			if err != nil {
				return nil, err
			}
			return nil, svc.GlobalSignOut(ctx, p.Id, u.Username)
		},
		"RevokeToken": func(ctx context.Context, _ *auth.Principal, b []byte) (any, error) {
			in, err := decode[self](b)
			if err != nil {
				return nil, err
			}
			return nil, svc.RevokeToken(ctx, in.Token, in.ClientId, in.ClientSecret)
		},
	}
	ops := map[string]jsonOp{}
	for name, fn := range admin {
		ops[name] = jsonOp{Call: fn, Action: "cognito-idp:" + name}
	}
	for name, fn := range public {
		ops[name] = jsonOp{Call: fn, Unauthenticated: true}
	}
	return ops
}

func viewUsers(users []userpool.User, only []string) []userpool.UserType {
	out := []userpool.UserType{}
	for _, u := range users {
		v := u.View(true)
		if only != nil {
			var kept []userpool.AttributeType
			for _, a := range v.Attributes {
				for _, o := range only {
					if a.Name == o {
						kept = append(kept, a)
					}
				}
			}
			v.Attributes = kept
		}
		out = append(out, v)
	}
	return out
}

// serveWellKnown serves a pool's JWKS and OpenID discovery document at
// /<poolId>/.well-known/…, consistent with its tokens' issuer.
func (h *Handler) servePoolWellKnown(w http.ResponseWriter, r *http.Request) {
	// (The router calls this through mux.Handler, which sets no path
	// values: the pool is the first segment.)
	pool, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !strings.Contains(pool, "_") || h.cfg.UserPools == nil {
		// Not a user pool id: a path-style bucket's key after all.
		h.serveS3(w, r)
		return
	}
	ri := info(r.Context())
	ri.service, ri.operation = "cognito-idp", rest
	keys, err := h.cfg.UserPools.JWKS(r.Context(), pool)
	if err != nil {
		ri.err = err
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"User pool ` + jsonEscape(pool) + ` not found."}`))
		return
	}
	var body any = keys
	if rest == ".well-known/openid-configuration" {
		iss := h.cfg.UserPools.Issuer(pool)
		body = map[string]any{
			"issuer": iss, "jwks_uri": iss + "/.well-known/jwks.json",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "subject_types_supported": []string{"public"},
			"response_types_supported": []string{"code", "token"}, "scopes_supported": []string{"openid", "email", "phone", "profile"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
