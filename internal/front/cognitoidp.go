package front

import (
	"context"
	"encoding/json"
	"github.com/sekisho/sekisho/internal/account"
	"github.com/sekisho/sekisho/internal/awserr"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/sekisho/sekisho/internal/userpool"
)

// decode is DecodeJSON into a fresh T.
func decode[T any](body []byte) (T, error) {
	var v T
	err := DecodeJSON(body, &v)
	return v, err
}

// groupUpdate is UpdateGroup's input: the group, and which of its
// settings the call names (a setting left out is kept).
type groupUpdate struct {
	userpool.Group
	has map[string]bool
}

func (g *groupUpdate) UnmarshalJSON(b []byte) error {
	if err := json.Unmarshal(b, &g.Group); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	json.Unmarshal(b, &raw)
	g.has = map[string]bool{}
	for k := range raw {
		g.has[k] = true
	}
	return nil
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
// publicURL is where clients reach the server (a user import job's
// upload URL names it).
func cognitoIdpOps(svc *userpool.Service, publicURL string) map[string]*op {
	admin := map[string]method{
		"CreateUserPool": typed(func(ctx context.Context, in *struct {
			PoolName string
			userpool.Pool
			Schema       []userpool.SchemaAttribute
			UserPoolTags map[string]string
		}) (any, error) {
			in.Pool.Name, in.Pool.SchemaAttributes = in.PoolName, in.Schema
			if in.UserPoolTags != nil {
				in.Pool.UserPoolTags = in.UserPoolTags
			}
			p, err := svc.CreatePool(ctx, in.Pool)
			return map[string]any{"UserPool": p}, err
		}),
		"DescribeUserPool": typed(func(ctx context.Context, in *poolRef) (any, error) {
			p, err := svc.Pool(ctx, in.UserPoolId)
			return map[string]any{"UserPool": p}, err
		}),
		"UpdateUserPool": typed(func(ctx context.Context, in *struct {
			UserPoolId string
			userpool.Pool
		}) (any, error) {
			return nil, svc.UpdatePoolSettings(ctx, in.UserPoolId, in.Pool)
		}),
		"DeleteUserPool": typed(func(ctx context.Context, in *poolRef) (any, error) {
			return nil, svc.DeletePool(ctx, in.UserPoolId)
		}),
		"ListUserPools": typed(func(ctx context.Context, in *struct {
			MaxResults int
			NextToken  string
		}) (any, error) {
			if err := limitIn("maxResults", in.MaxResults, 60, true); err != nil {
				return nil, err
			}
			pools, err := svc.ListPools(ctx)
			page, next := pageOfN(pools, in.MaxResults, in.NextToken, func(p userpool.Pool) string { return p.Id })
			out := []map[string]any{}
			for _, p := range page {
				out = append(out, map[string]any{"Id": p.Id, "Name": p.Name, "CreationDate": p.CreationDate, "LastModifiedDate": p.LastModifiedDate})
			}
			return withNext(map[string]any{"UserPools": out}, "NextToken", next), err
		}),
		"AddCustomAttributes": typed(func(ctx context.Context, in *struct {
			UserPoolId       string
			CustomAttributes []userpool.SchemaAttribute
		}) (any, error) {
			return nil, svc.AddCustomAttributes(ctx, in.UserPoolId, in.CustomAttributes)
		}),
		"CreateUserPoolClient": typed(func(ctx context.Context, in *struct {
			userpool.Client
			GenerateSecret bool
		}) (any, error) {
			c, err := svc.CreateClient(ctx, in.Client, in.GenerateSecret)
			return map[string]any{"UserPoolClient": c}, err
		}),
		"DescribeUserPoolClient": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId string }) (any, error) {
			c, err := svc.Client(ctx, in.UserPoolId, in.ClientId)
			return map[string]any{"UserPoolClient": c}, err
		}),
		"UpdateUserPoolClient": typed(func(ctx context.Context, in *userpool.Client) (any, error) {
			c, err := svc.UpdateClient(ctx, *in)
			return map[string]any{"UserPoolClient": c}, err
		}),
		"DeleteUserPoolClient": typed(func(ctx context.Context, in *struct{ UserPoolId, ClientId string }) (any, error) {
			return nil, svc.DeleteClient(ctx, in.UserPoolId, in.ClientId)
		}),
		"ListUserPoolClients": typed(func(ctx context.Context, in *struct {
			UserPoolId, NextToken string
			MaxResults            int
		}) (any, error) {
			if err := limitIn("maxResults", in.MaxResults, 60, false); err != nil {
				return nil, err
			}
			cs, err := svc.ListClients(ctx, in.UserPoolId)
			page, next := pageOfN(cs, orMax(in.MaxResults, 60), in.NextToken, func(c userpool.Client) string { return c.ClientId })
			out := []map[string]string{}
			for _, c := range page {
				out = append(out, map[string]string{"ClientId": c.ClientId, "ClientName": c.ClientName, "UserPoolId": c.UserPoolId})
			}
			return withNext(map[string]any{"UserPoolClients": out}, "NextToken", next), err
		}),
		"AdminCreateUser": typed(func(ctx context.Context, in *userpool.CreateUserInput) (any, error) {
			u, err := svc.AdminCreateUser(ctx, *in)
			return map[string]any{"User": u.View(true)}, err
		}),
		"AdminGetUser": typed(func(ctx context.Context, in *userRef) (any, error) {
			u, err := svc.AdminGetUser(ctx, in.UserPoolId, in.Username)
			if err != nil {
				return nil, err
			}
			v := u.View(false)
			return withMFA(u, map[string]any{"Username": v.Username, "UserAttributes": v.UserAttributes, "UserCreateDate": v.UserCreateDate,
				"UserLastModifiedDate": v.UserLastModifiedDate, "Enabled": v.Enabled, "UserStatus": v.UserStatus}), nil
		}),
		"SetUserPoolMfaConfig": typed(func(ctx context.Context, in *struct {
			UserPoolId string
			userpool.MFAConfig
		}) (any, error) {
			return svc.SetMFAConfig(ctx, in.UserPoolId, in.MFAConfig)
		}),
		"GetUserPoolMfaConfig": typed(func(ctx context.Context, in *poolRef) (any, error) {
			return svc.GetMFAConfig(ctx, in.UserPoolId)
		}),
		"AdminSetUserMFAPreference": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username string
			userpool.MFAPreferences
		}) (any, error) {
			return nil, svc.AdminSetMFAPreference(ctx, in.UserPoolId, in.Username, in.MFAPreferences)
		}),
		"AdminListDevices": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username, PaginationToken string
			Limit                                 int
		}) (any, error) {
			ds, next, err := svc.ListDevices(ctx, "", in.UserPoolId, in.Username, in.Limit, in.PaginationToken)
			return devicePage(ds, next), err
		}),
		"AdminGetDevice": typed(func(ctx context.Context, in *struct{ UserPoolId, Username, DeviceKey string }) (any, error) {
			d, err := svc.GetDevice(ctx, "", in.UserPoolId, in.Username, in.DeviceKey)
			return map[string]any{"Device": d}, err
		}),
		"AdminForgetDevice": typed(func(ctx context.Context, in *struct{ UserPoolId, Username, DeviceKey string }) (any, error) {
			return nil, svc.ForgetDevice(ctx, "", in.UserPoolId, in.Username, in.DeviceKey)
		}),
		"AdminUpdateDeviceStatus": typed(func(ctx context.Context, in *struct{ UserPoolId, Username, DeviceKey, DeviceRememberedStatus string }) (any, error) {
			return nil, svc.UpdateDeviceStatus(ctx, "", in.UserPoolId, in.Username, in.DeviceKey, in.DeviceRememberedStatus)
		}),
		"AdminSetUserSettings": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username string
			MFAOptions           []map[string]string
		}) (any, error) {
			return nil, svc.SetUserSettings(ctx, in.UserPoolId, in.Username, in.MFAOptions)
		}),
		"ListUsers": typed(func(ctx context.Context, in *struct {
			UserPoolId, Filter, PaginationToken string
			Limit                               int
			AttributesToGet                     []string
		}) (any, error) {
			users, next, err := svc.ListUsers(ctx, in.UserPoolId, in.Filter, in.Limit, in.PaginationToken)
			out := map[string]any{"Users": viewUsers(users, in.AttributesToGet)}
			if next != "" {
				out["PaginationToken"] = next
			}
			return out, err
		}),
		"AdminDeleteUser": typed(func(ctx context.Context, in *userRef) (any, error) {
			return nil, svc.AdminDeleteUser(ctx, in.UserPoolId, in.Username)
		}),
		"AdminUpdateUserAttributes": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username string
			UserAttributes       []userpool.AttributeType
		}) (any, error) {
			return nil, svc.AdminUpdateUserAttributes(ctx, in.UserPoolId, in.Username, in.UserAttributes)
		}),
		"AdminDeleteUserAttributes": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username string
			UserAttributeNames   []string
		}) (any, error) {
			return nil, svc.AdminDeleteUserAttributes(ctx, in.UserPoolId, in.Username, in.UserAttributeNames)
		}),
		"AdminEnableUser": typed(func(ctx context.Context, in *userRef) (any, error) {
			return nil, svc.AdminSetEnabled(ctx, in.UserPoolId, in.Username, true)
		}),
		"AdminDisableUser": typed(func(ctx context.Context, in *userRef) (any, error) {
			return nil, svc.AdminSetEnabled(ctx, in.UserPoolId, in.Username, false)
		}),
		"AdminSetUserPassword": typed(func(ctx context.Context, in *struct {
			UserPoolId, Username, Password string
			Permanent                      bool
		}) (any, error) {
			return nil, svc.AdminSetUserPassword(ctx, in.UserPoolId, in.Username, in.Password, in.Permanent)
		}),
		"AdminResetUserPassword": typed(func(ctx context.Context, in *userRef) (any, error) {
			return nil, svc.AdminResetUserPassword(ctx, in.UserPoolId, in.Username)
		}),
		"AdminConfirmSignUp": typed(func(ctx context.Context, in *userRef) (any, error) {
			return nil, svc.AdminConfirmSignUp(ctx, in.UserPoolId, in.Username)
		}),
		"AdminUserGlobalSignOut": typed(func(ctx context.Context, in *userRef) (any, error) {
			u, err := svc.AdminGetUser(ctx, in.UserPoolId, in.Username)
			if err != nil {
				return nil, err
			}
			return nil, svc.GlobalSignOut(ctx, in.UserPoolId, u.Username)
		}),
		"CreateGroup": typed(func(ctx context.Context, in *userpool.Group) (any, error) {
			g, err := svc.CreateGroup(ctx, *in)
			return map[string]any{"Group": g}, err
		}),
		"GetGroup": typed(func(ctx context.Context, in *struct{ UserPoolId, GroupName string }) (any, error) {
			g, err := svc.GetGroup(ctx, in.UserPoolId, in.GroupName)
			return map[string]any{"Group": g}, err
		}),
		"UpdateGroup": typed(func(ctx context.Context, in *groupUpdate) (any, error) {
			g, err := svc.UpdateGroup(ctx, in.Group, in.has["Description"], in.has["RoleArn"], in.has["Precedence"])
			return map[string]any{"Group": g}, err
		}),
		"DeleteGroup": typed(func(ctx context.Context, in *struct{ UserPoolId, GroupName string }) (any, error) {
			return nil, svc.DeleteGroup(ctx, in.UserPoolId, in.GroupName)
		}),
		"ListGroups": typed(func(ctx context.Context, in *pageRef) (any, error) {
			if err := limitIn("limit", in.Limit, 60, false); err != nil {
				return nil, err
			}
			gs, err := svc.ListGroups(ctx, in.UserPoolId)
			page, next := pageOfN(gs, orMax(in.Limit, 60), in.NextToken, groupKey)
			return withNext(map[string]any{"Groups": page}, "NextToken", next), err
		}),
		"AdminAddUserToGroup": typed(func(ctx context.Context, in *struct{ UserPoolId, Username, GroupName string }) (any, error) {
			return nil, svc.AdminAddUserToGroup(ctx, in.UserPoolId, in.Username, in.GroupName)
		}),
		"AdminRemoveUserFromGroup": typed(func(ctx context.Context, in *struct{ UserPoolId, Username, GroupName string }) (any, error) {
			return nil, svc.AdminRemoveUserFromGroup(ctx, in.UserPoolId, in.Username, in.GroupName)
		}),
		"AdminListGroupsForUser": typed(func(ctx context.Context, in *struct {
			pageRef
			Username string
		}) (any, error) {
			if err := limitIn("limit", in.Limit, 60, false); err != nil {
				return nil, err
			}
			gs, err := svc.AdminListGroupsForUser(ctx, in.UserPoolId, in.Username)
			slices.SortFunc(gs, func(a, b userpool.Group) int { return strings.Compare(groupKey(a), groupKey(b)) })
			page, next := pageOfN(gs, orMax(in.Limit, 60), in.NextToken, groupKey)
			return withNext(map[string]any{"Groups": page}, "NextToken", next), err
		}),
		"ListUsersInGroup": typed(func(ctx context.Context, in *struct {
			pageRef
			GroupName string
		}) (any, error) {
			if err := limitIn("limit", in.Limit, 60, false); err != nil {
				return nil, err
			}
			us, err := svc.ListUsersInGroup(ctx, in.UserPoolId, in.GroupName)
			slices.SortFunc(us, func(a, b userpool.User) int {
				return strings.Compare(strings.ToLower(a.Username), strings.ToLower(b.Username))
			})
			page, next := pageOfN(us, orMax(in.Limit, 60), in.NextToken, func(u userpool.User) string { return strings.ToLower(u.Username) })
			return withNext(map[string]any{"Users": viewUsers(page, nil)}, "NextToken", next), err
		}),
		"AdminInitiateAuth": typed(func(ctx context.Context, in *userpool.AuthInput) (any, error) {
			in.Admin = true
			return svc.InitiateAuth(ctx, *in)
		}),
		"AdminRespondToAuthChallenge": typed(func(ctx context.Context, in *userpool.ChallengeInput) (any, error) {
			in.Admin = true
			return svc.RespondToAuthChallenge(ctx, *in)
		}),
	}
	type self struct {
		ClientId, SecretHash, Username, Password, ConfirmationCode, AccessToken string
		PreviousPassword, ProposedPassword, AttributeName, Code, Token          string
		ClientSecret, RefreshToken                                              string
		UserAttributes                                                          []userpool.AttributeType
	}
	public := map[string]method{
		"InitiateAuth": typed(func(ctx context.Context, in *userpool.AuthInput) (any, error) {
			in.Admin = false
			return svc.InitiateAuth(ctx, *in)
		}),
		"RespondToAuthChallenge": typed(func(ctx context.Context, in *userpool.ChallengeInput) (any, error) {
			in.Admin = false
			return svc.RespondToAuthChallenge(ctx, *in)
		}),
		"GetTokensFromRefreshToken": typed(func(ctx context.Context, in *self) (any, error) {
			params := map[string]string{"REFRESH_TOKEN": in.RefreshToken}
			out, err := svc.InitiateAuth(ctx, userpool.AuthInput{ClientId: in.ClientId, AuthFlow: "REFRESH_TOKEN_AUTH", AuthParameters: params, ClientSecret: in.ClientSecret})
			if err != nil {
				return nil, err
			}
			return map[string]any{"AuthenticationResult": out.AuthenticationResult}, nil
		}),
		"SignUp": typed(func(ctx context.Context, in *self) (any, error) {
			return svc.SignUp(ctx, in.ClientId, in.SecretHash, in.Username, in.Password, in.UserAttributes)
		}),
		"ConfirmSignUp": typed(func(ctx context.Context, in *self) (any, error) {
			return nil, svc.ConfirmSignUp(ctx, in.ClientId, in.SecretHash, in.Username, in.ConfirmationCode)
		}),
		"ResendConfirmationCode": typed(func(ctx context.Context, in *self) (any, error) {
			d, err := svc.ResendConfirmationCode(ctx, in.ClientId, in.SecretHash, in.Username)
			return map[string]any{"CodeDeliveryDetails": d}, err
		}),
		"ForgotPassword": typed(func(ctx context.Context, in *self) (any, error) {
			d, err := svc.ForgotPassword(ctx, in.ClientId, in.SecretHash, in.Username)
			return map[string]any{"CodeDeliveryDetails": d}, err
		}),
		"ConfirmForgotPassword": typed(func(ctx context.Context, in *self) (any, error) {
			return nil, svc.ConfirmForgotPassword(ctx, in.ClientId, in.SecretHash, in.Username, in.ConfirmationCode, in.Password)
		}),
		"ChangePassword": typed(func(ctx context.Context, in *self) (any, error) {
			return nil, svc.ChangePassword(ctx, in.AccessToken, in.PreviousPassword, in.ProposedPassword)
		}),
		"GetUser": typed(func(ctx context.Context, in *self) (any, error) {
			_, u, err := svc.AccessClaims(ctx, in.AccessToken)
			if err != nil {
				return nil, err
			}
			v := u.View(false)
			return withMFA(u, map[string]any{"Username": v.Username, "UserAttributes": v.UserAttributes}), nil
		}),
		"AssociateSoftwareToken": typed(func(ctx context.Context, in *struct{ AccessToken, Session string }) (any, error) {
			return svc.AssociateSoftwareToken(ctx, in.AccessToken, in.Session)
		}),
		"VerifySoftwareToken": typed(func(ctx context.Context, in *struct{ AccessToken, Session, UserCode, FriendlyDeviceName string }) (any, error) {
			return svc.VerifySoftwareToken(ctx, in.AccessToken, in.Session, in.UserCode, in.FriendlyDeviceName)
		}),
		"SetUserMFAPreference": typed(func(ctx context.Context, in *struct {
			AccessToken string
			userpool.MFAPreferences
		}) (any, error) {
			return nil, svc.SetMFAPreference(ctx, in.AccessToken, in.MFAPreferences)
		}),
		"StartWebAuthnRegistration": typed(func(ctx context.Context, in *struct{ AccessToken string }) (any, error) {
			opts, err := svc.StartPasskeyRegistration(ctx, in.AccessToken)
			return map[string]any{"CredentialCreationOptions": opts}, err
		}),
		"CompleteWebAuthnRegistration": typed(func(ctx context.Context, in *struct {
			AccessToken string
			Credential  json.RawMessage
		}) (any, error) {
			return nil, svc.CompletePasskeyRegistration(ctx, in.AccessToken, in.Credential)
		}),
		"ListWebAuthnCredentials": typed(func(ctx context.Context, in *struct {
			AccessToken, NextToken string
			MaxResults             int
		}) (any, error) {
			ks, next, err := svc.ListPasskeys(ctx, in.AccessToken, in.NextToken, in.MaxResults)
			out := map[string]any{"Credentials": ks}
			if next != "" {
				out["NextToken"] = next
			}
			return out, err
		}),
		"DeleteWebAuthnCredential": typed(func(ctx context.Context, in *struct{ AccessToken, CredentialId string }) (any, error) {
			return nil, svc.DeletePasskey(ctx, in.AccessToken, in.CredentialId)
		}),
		"ConfirmDevice": typed(func(ctx context.Context, in *struct {
			AccessToken, DeviceKey, DeviceName string
			DeviceSecretVerifierConfig         struct{ PasswordVerifier, Salt string }
		}) (any, error) {
			need, err := svc.ConfirmDevice(ctx, in.AccessToken, in.DeviceKey, in.DeviceSecretVerifierConfig.PasswordVerifier, in.DeviceSecretVerifierConfig.Salt, in.DeviceName)
			return map[string]any{"UserConfirmationNecessary": need}, err
		}),
		"UpdateDeviceStatus": typed(func(ctx context.Context, in *struct{ AccessToken, DeviceKey, DeviceRememberedStatus string }) (any, error) {
			if in.AccessToken == "" {
				return nil, errMissingToken()
			}
			return nil, svc.UpdateDeviceStatus(ctx, in.AccessToken, "", "", in.DeviceKey, in.DeviceRememberedStatus)
		}),
		"ListDevices": typed(func(ctx context.Context, in *struct {
			AccessToken, PaginationToken string
			Limit                        int
		}) (any, error) {
			if in.AccessToken == "" {
				return nil, errMissingToken()
			}
			ds, next, err := svc.ListDevices(ctx, in.AccessToken, "", "", in.Limit, in.PaginationToken)
			return devicePage(ds, next), err
		}),
		"GetDevice": typed(func(ctx context.Context, in *struct{ AccessToken, DeviceKey string }) (any, error) {
			if in.AccessToken == "" {
				return nil, errMissingToken()
			}
			d, err := svc.GetDevice(ctx, in.AccessToken, "", "", in.DeviceKey)
			return map[string]any{"Device": d}, err
		}),
		"ForgetDevice": typed(func(ctx context.Context, in *struct{ AccessToken, DeviceKey string }) (any, error) {
			if in.AccessToken == "" {
				return nil, errMissingToken()
			}
			return nil, svc.ForgetDevice(ctx, in.AccessToken, "", "", in.DeviceKey)
		}),
		"SetUserSettings": typed(func(ctx context.Context, in *struct {
			AccessToken string
			MFAOptions  []map[string]string
		}) (any, error) {
			p, u, err := svc.AccessClaims(ctx, in.AccessToken)
			if err != nil {
				return nil, err
			}
			return nil, svc.SetUserSettings(ctx, p.Id, u.Username, in.MFAOptions)
		}),
		"UpdateUserAttributes": typed(func(ctx context.Context, in *self) (any, error) {
			d, err := svc.UpdateUserAttributes(ctx, in.AccessToken, in.UserAttributes)
			if d == nil {
				d = []userpool.CodeDelivery{}
			}
			return map[string]any{"CodeDeliveryDetailsList": d}, err
		}),
		"GetUserAttributeVerificationCode": typed(func(ctx context.Context, in *self) (any, error) {
			d, err := svc.GetUserAttributeVerificationCode(ctx, in.AccessToken, in.AttributeName)
			return map[string]any{"CodeDeliveryDetails": d}, err
		}),
		"VerifyUserAttribute": typed(func(ctx context.Context, in *self) (any, error) {
			return nil, svc.VerifyUserAttribute(ctx, in.AccessToken, in.AttributeName, in.Code)
		}),
		"DeleteUser": typed(func(ctx context.Context, in *self) (any, error) {
			return nil, svc.DeleteUserSelf(ctx, in.AccessToken)
		}),
		"GlobalSignOut": typed(func(ctx context.Context, in *self) (any, error) {
			p, u, err := svc.AccessClaims(ctx, in.AccessToken)
			if err != nil {
				return nil, err
			}
			return nil, svc.GlobalSignOut(ctx, p.Id, u.Username)
		}),
		"RevokeToken": typed(func(ctx context.Context, in *self) (any, error) {
			return nil, svc.RevokeToken(ctx, in.Token, in.ClientId, in.ClientSecret)
		}),
	}
	for name, m := range oauthAdminOps(svc) {
		admin[name] = m
	}
	maps.Copy(admin, cognitoMoreAdmin(svc, publicURL))
	maps.Copy(admin, tagRows(svc))
	maps.Copy(public, cognitoMorePublic(svc))
	for _, table := range []map[string]method{admin, public} {
		for name, m := range table {
			table[name] = withTriggerInputs(m)
		}
	}
	ops := map[string]*op{}
	rows(ops, admin, false, "cognito-idp:", poolResource(svc.PoolARN, false), nil)
	rows(ops, public, true, "", nil, nil)
	return ops
}

// withTriggerInputs hands a request's ClientId, ClientMetadata and
// ValidationData to the Lambda triggers the call may run.
func withTriggerInputs(m method) method {
	return func(ctx context.Context, in input) (any, error) {
		var x struct {
			ClientId       string
			ClientMetadata map[string]string
			ValidationData []userpool.AttributeType
		}
		if in.Decode(&x) == nil {
			ctx = userpool.WithTriggerInputs(ctx, x.ClientId, x.ClientMetadata, x.ValidationData)
		}
		return m(ctx, in)
	}
}

func devicePage(ds []userpool.DeviceView, next string) map[string]any {
	out := map[string]any{"Devices": ds}
	if next != "" {
		out["PaginationToken"] = next
	}
	return out
}

// errMissingToken answers a self-service device call without an access
// token (the SDKs' models mark it optional; these calls need one).
func errMissingToken() error {
	return awserr.New(400, "NotAuthorizedException", "Missing Authentication Token")
}

// pageRef is a pool list call's paging.
type pageRef struct {
	UserPoolId, NextToken string
	Limit                 int
}

func groupKey(g userpool.Group) string { return strings.ToLower(g.GroupName) }

// limitIn validates a page size as AWS words it (required: must be set).
func limitIn(name string, n, max int, required bool) error {
	switch {
	case n == 0 && required:
		return awserr.New(400, "InvalidParameterException", "1 validation error detected: Value null at '"+name+"' failed to satisfy constraint: Member must not be null")
	case n < 0 || n == 0 && required:
		return awserr.Newf(400, "InvalidParameterException", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value greater than or equal to 1", n, name)
	case n > max:
		return awserr.Newf(400, "InvalidParameterException", "1 validation error detected: Value '%d' at '%s' failed to satisfy constraint: Member must have value less than or equal to %d", n, name, max)
	}
	return nil
}

func orMax(n, max int) int {
	if n <= 0 {
		return max
	}
	return n
}

func withNext(out map[string]any, key, next string) map[string]any {
	if next != "" {
		out[key] = next
	}
	return out
}

// withMFA adds a user's MFA settings to a GetUser or AdminGetUser answer
// (left out when there are none, as AWS does).
func withMFA(u userpool.User, out map[string]any) map[string]any {
	list, preferred := u.MFASettings()
	if len(list) > 0 {
		out["UserMFASettingList"] = list
		if slices.Contains(list, "SMS_MFA") {
			out["MFAOptions"] = []map[string]string{{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}}
		}
	}
	if preferred != "" {
		out["PreferredMfaSetting"] = preferred
	}
	return out
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
	pools := h.cfg.UserPools
	if acct, ok := account.OfID(pool); ok && acct != h.cfg.Account && h.cfg.Tenant != nil {
		if t, err := h.cfg.Tenant(r.Context(), acct); err == nil && t.UserPools != nil {
			pools = t.UserPools // a member account's pool
		}
	}
	keys, err := pools.JWKS(r.Context(), pool)
	if err != nil {
		ri.err = err
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte(`{"message":"User pool ` + jsonEscape(pool) + ` not found."}`))
		return
	}
	var body any = keys
	if rest == ".well-known/openid-configuration" {
		iss := pools.Issuer(pool)
		body = map[string]any{
			"issuer": iss, "jwks_uri": iss + "/.well-known/jwks.json",
			"id_token_signing_alg_values_supported": []string{"RS256"}, "subject_types_supported": []string{"public"},
			"response_types_supported": []string{"code", "token"}, "scopes_supported": []string{"openid", "email", "phone", "profile"},
			"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		}
		if base := h.poolDomainURL(r.Context(), pools, pool); base != "" {
			m := body.(map[string]any)
			m["authorization_endpoint"] = base + "/oauth2/authorize"
			m["token_endpoint"] = base + "/oauth2/token"
			m["userinfo_endpoint"] = base + "/oauth2/userInfo"
			m["revocation_endpoint"] = base + "/oauth2/revoke"
			m["end_session_endpoint"] = base + "/logout"
			m["code_challenge_methods_supported"] = []string{"S256"}
			m["grant_types_supported"] = []string{"authorization_code", "refresh_token", "client_credentials", "implicit"}
		}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Write(b)
}

// poolDomainURL is the base URL of a pool's prefix domain ("" if it has
// none): its host under the auth domain, with the scheme and port of the
// server's public URL.
func (h *Handler) poolDomainURL(ctx context.Context, pools *userpool.Service, pool string) string {
	p, err := pools.Pool(ctx, pool)
	if err != nil || p.Domain == "" || h.cfg.AuthDomain == "" {
		return ""
	}
	u, err := url.Parse(h.cfg.PublicURL)
	if err != nil || u.Scheme == "" {
		return ""
	}
	host := p.Domain + "." + h.cfg.AuthDomain
	if port := u.Port(); port != "" {
		host += ":" + port
	}
	return u.Scheme + "://" + host
}

func jsonEscape(s string) string {
	b, _ := json.Marshal(s)
	return string(b[1 : len(b)-1])
}
