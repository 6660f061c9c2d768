package policy

import "testing"

// TestDenyNamingAnAccount: a Deny whose principal is an account denies
// everyone in it (in trust and bucket policies alike), while an Allow that
// names an account does not by itself allow its users.
func TestDenyNamingAnAccount(t *testing.T) {
	user := &Principal{ARN: "arn:aws:iam::123456789012:user/u", Account: "123456789012"}
	allowID := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, Identity)
	trust := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/u"},"Action":"sts:AssumeRole"},
		{"Effect":"Deny","Principal":{"AWS":"123456789012"},"Action":"sts:AssumeRole"}]}`, Trust)
	r := &Request{Action: "sts:AssumeRole", Resource: "arn:aws:iam::123456789012:role/r", Principal: user}
	if res := AuthorizeTrust(TrustInput{Request: r, Trust: trust, RoleAccount: "123456789012", Identity: []*Document{allowID}}); res.Decision != ExplicitDeny {
		t.Errorf("trust: a Deny naming the caller's account: %v", res.Decision)
	}
	bucket := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"*"}]}`, Resource)
	g := &Request{Action: "s3:GetObject", Resource: "arn:aws:s3:::b/k", Principal: user}
	if res := Authorize(Input{Request: g, Identity: []*Document{allowID}, Resource: bucket, OwnerAccount: "123456789012"}); res.Decision != ExplicitDeny {
		t.Errorf("bucket policy: a Deny naming the caller's account: %v", res.Decision)
	}
	allowAcct := mustParse(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"s3:GetObject","Resource":"*"}]}`, Resource)
	if res := Authorize(Input{Request: g, Resource: allowAcct, OwnerAccount: "123456789012"}); res.Allowed() {
		t.Error("bucket policy: an Allow naming the account allowed a user without identity policies")
	}
}

func mustParse(t *testing.T, doc string, kind Kind) *Document {
	t.Helper()
	d, err := Parse([]byte(doc), kind)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
