package apimodel

import (
	"net/url"
	"strings"
	"testing"
)

// The cases' messages are AWS's, as its front ends word them (from
// answers quoted in public issues and from the models' constraints).
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, svc, op string
		json          string
		form          url.Values
		want          string
	}{
		{name: "sts duration", svc: "sts", op: "AssumeRole",
			form: url.Values{"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"sess"}, "DurationSeconds": {"899"}},
			want: "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{name: "sts ok", svc: "sts", op: "AssumeRole",
			form: url.Values{"RoleArn": {"arn:aws:iam::123456789012:role/r"}, "RoleSessionName": {"sess"}, "DurationSeconds": {"900"}}},
		{name: "iam missing and bad", svc: "iam", op: "AttachUserPolicy",
			form: url.Values{"UserName": {"a b"}},
			want: "2 validation errors detected: Value 'a b' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value null at 'policyArn' failed to satisfy constraint: Member must not be null"},
		{name: "iam pattern then length", svc: "iam", op: "CreateUser",
			form: url.Values{"UserName": {strings.Repeat("a", 64) + "!"}},
			want: "2 validation errors detected: Value '" + strings.Repeat("a", 64) + "!' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+; Value '" + strings.Repeat("a", 64) + "!' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"},
		// AWS was quoted answering this with the value shown; today's model
		// marks the code sensitive, and sekisho never echoes those.
		{name: "cognito user code, the order AWS was quoted with", svc: "cognito-idp", op: "VerifySoftwareToken",
			json: `{"AccessToken":"x","UserCode":"Aaaa"}`,
			want: "2 validation errors detected: Value at 'userCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9]+; Value at 'userCode' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{name: "iam tag key in a list", svc: "iam", op: "TagUser",
			form: url.Values{"UserName": {"u"}, "Tags.member.1.Key": {"k"}, "Tags.member.1.Value": {"v"}, "Tags.member.2.Key": {strings.Repeat("k", 129)}, "Tags.member.2.Value": {"v"}},
			want: "1 validation error detected: Value '" + strings.Repeat("k", 129) + "' at 'tags.2.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"},
		{name: "iam scalar list", svc: "iam", op: "UpdateOpenIDConnectProviderThumbprint",
			form: url.Values{"OpenIDConnectProviderArn": {"arn:aws:iam::123456789012:oidc-provider/x"}, "ThumbprintList.member.1": {"abc"}},
			want: "1 validation error detected: Value '[abc]' at 'thumbprintList' failed to satisfy constraint: Member must satisfy constraint: [Member must have length greater than or equal to 40]"},
		{name: "cognito enum list", svc: "cognito-idp", op: "CreateUserPoolClient",
			json: `{"UserPoolId":"us-east-1_abc","ClientName":"c","AllowedOAuthFlows":["code","password"]}`,
			want: "1 validation error detected: Value '[code, password]' at 'allowedOAuthFlows' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [code, implicit, client_credentials]]"},
		{name: "iam enum", svc: "iam", op: "UpdateAccessKey",
			form: url.Values{"AccessKeyId": {"AKIAAAAAAAAAAAAAAAAA"}, "Status": {"On"}},
			want: "1 validation error detected: Value 'On' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"},
		{name: "cognito sensitive username", svc: "cognito-idp", op: "ForgotPassword",
			json: `{"ClientId":"abc","Username":"a b"}`,
			want: "1 validation error detected: Value at 'username' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{M}\\p{S}\\p{N}\\p{P}]+"},
		{name: "cognito pool id", svc: "cognito-idp", op: "AdminGetUser",
			json: `{"UserPoolId":"nopool","Username":"u"}`,
			want: "1 validation error detected: Value 'nopool' at 'userPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+_[0-9a-zA-Z]+"},
		{name: "cognito max results", svc: "cognito-idp", op: "ListUserPools",
			json: `{"MaxResults":61}`,
			want: "1 validation error detected: Value '61' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 60"},
		{name: "cognito missing", svc: "cognito-idp", op: "ListUserPools", json: `{}`,
			want: "1 validation error detected: Value null at 'maxResults' failed to satisfy constraint: Member must not be null"},
		{name: "cognito nested", svc: "cognito-idp", op: "AdminUpdateUserAttributes",
			json: `{"UserPoolId":"us-east-1_abc","Username":"u","UserAttributes":[{"Name":"email","Value":"a@b.c"},{"Value":"x"}]}`,
			want: "1 validation error detected: Value null at 'userAttributes.2.member.name' failed to satisfy constraint: Member must not be null"},
		{name: "identity pool id", svc: "cognito-identity", op: "GetId",
			json: `{"IdentityPoolId":"us-east-1_abc"}`,
			want: "1 validation error detected: Value 'us-east-1_abc' at 'identityPoolId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w-]+:[0-9a-f-]+"},
		{name: "java unicode class", svc: "iam", op: "PutUserPolicy",
			form: url.Values{"UserName": {"u"}, "PolicyName": {"p"}, "PolicyDocument": {"{\"x\":\"日本\"}"}},
			want: "1 validation error detected: Value '{\"x\":\"日本\"}' at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"},
		{name: "unknown op", svc: "iam", op: "NoSuchThing", form: url.Values{}},
		{name: "not an object", svc: "cognito-idp", op: "ListUserPools", json: `[1]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var errs []string
			if tc.form != nil {
				errs = CheckQuery(tc.svc, tc.op, tc.form)
			} else {
				errs = CheckJSON(tc.svc, tc.op, []byte(tc.json))
			}
			if got := Message(errs); got != tc.want {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}

// Every pattern of the models either compiles for RE2 or is one of the
// few known not to (lookaheads).
func TestPatternsCompile(t *testing.T) {
	skipped := 0
	for name, s := range load() {
		for _, sh := range s.Shapes {
			if sh.P != "" && sh.regexp() == nil {
				skipped++
				if !strings.Contains(sh.P, "(?!") && !strings.Contains(sh.P, "0-9-_") {
					t.Errorf("%s: pattern %q does not compile", name, sh.P)
				}
			}
		}
	}
	t.Logf("%d patterns left to the services", skipped)
}

func FuzzCheckJSON(f *testing.F) {
	f.Add("ListUserPools", `{"MaxResults":61}`)
	f.Add("AdminUpdateUserAttributes", `{"UserAttributes":[{"Name":1},null,"x"]}`)
	f.Fuzz(func(t *testing.T, op, body string) {
		Message(CheckJSON("cognito-idp", op, []byte(body)))
	})
}

func FuzzCheckQuery(f *testing.F) {
	f.Add("TagUser", "UserName=u&Tags.member.1.Key=k&Tags.member.3.Value=v")
	f.Fuzz(func(t *testing.T, op, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		Message(CheckQuery("iam", op, form))
	})
}
