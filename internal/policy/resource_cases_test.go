package policy

import "testing"

var (
	anon   = &Principal{}
	reader = &Principal{ARN: "arn:aws:sts::123456789012:assumed-role/reader/app", RoleARN: "arn:aws:iam::123456789012:role/reader", Account: "123456789012"}
	bob    = &Principal{ARN: "arn:aws:iam::123456789012:user/bob", Account: "123456789012"}
	admin  = &Principal{ARN: "arn:aws:iam::123456789012:user/admin", Account: "123456789012"}
	root   = &Principal{ARN: "arn:aws:iam::123456789012:root", Account: "123456789012"}
	other  = &Principal{ARN: "arn:aws:iam::999999999999:user/mallory", Account: "999999999999"}
)

func withP(p *Principal, r Request) Request { r.Principal = p; return r }

func resourceCases() []evalCase {
	var cs []evalCase
	add := func(src, policy string, r Request, keys map[string][]string, want Decision) {
		cs = append(cs, evalCase{src, policy, r, keys, want})
	}
	for _, p := range []*Principal{anon, alice, reader, other} {
		add(srcS3Public, "publicRead", withP(p, req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/index.html")), nil, A)
		add(srcS3Public, "publicRead", withP(p, req("s3:PutObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/index.html")), nil, D)
		add(srcS3Public, "publicRead", withP(p, req("s3:ListBucket", "arn:aws:s3:::DOC-EXAMPLE-BUCKET")), nil, D)
		add(srcS3TLS, "tlsOnly", withP(p, req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a")), kv("aws:SecureTransport", "false"), X)
		add(srcS3TLS, "tlsOnly", withP(p, req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a")), kv("aws:SecureTransport", "true"), D)
		add(srcS3TLS, "tlsOnly", withP(p, req("s3:ListBucket", "arn:aws:s3:::DOC-EXAMPLE-BUCKET")), kv("aws:SecureTransport", "false"), X)
		add(srcS3IP, "ipBucket", withP(p, req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a")), kv("aws:SourceIp", "192.0.2.10"), D)
		add(srcS3IP, "ipBucket", withP(p, req("s3:GetObject", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a")), kv("aws:SourceIp", "198.51.100.10"), X)
	}
	add(srcS3Public, "publicRead", withP(anon, req("s3:GetObjectVersion", "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a")), nil, A)
	add(srcS3Public, "publicRead", withP(anon, req("s3:GetObject", "arn:aws:s3:::OTHER-BUCKET/a")), nil, D)
	add(srcS3TLS, "tlsOnly", withP(anon, req("s3:GetObject", "arn:aws:s3:::OTHER/a")), kv("aws:SecureTransport", "false"), D)
	// A policy naming a role matches the role's sessions; one naming a
	// user matches only that user.
	add(srcPrincipal, "grantRole", withP(reader, req("s3:GetObject", "arn:aws:s3:::shared/a")), nil, A)
	add(srcPrincipal, "grantRole", withP(&Principal{ARN: "arn:aws:iam::123456789012:role/reader", Account: "123456789012"}, req("s3:GetObject", "arn:aws:s3:::shared/a")), nil, A)
	add(srcPrincipal, "grantRole", withP(bob, req("s3:GetObject", "arn:aws:s3:::shared/a")), nil, D)
	add(srcPrincipal, "grantRole", withP(anon, req("s3:GetObject", "arn:aws:s3:::shared/a")), nil, D)
	add(srcPrincipal, "grantRole", withP(reader, req("s3:PutObject", "arn:aws:s3:::shared/a")), nil, D)
	add(srcPrincipal, "grantRole", withP(&Principal{ARN: "arn:aws:sts::123456789012:assumed-role/writer/app", RoleARN: "arn:aws:iam::123456789012:role/writer", Account: "123456789012"}, req("s3:GetObject", "arn:aws:s3:::shared/a")), nil, D)
	add(srcPrincipal, "grantUser", withP(alice, req("s3:PutObject", "arn:aws:s3:::shared/alice/x")), nil, A)
	add(srcPrincipal, "grantUser", withP(alice, req("s3:PutObject", "arn:aws:s3:::shared/bob/x")), nil, D)
	add(srcPrincipal, "grantUser", withP(bob, req("s3:PutObject", "arn:aws:s3:::shared/alice/x")), nil, D)
	add(srcPrincipal, "grantUser", withP(other, req("s3:GetObject", "arn:aws:s3:::shared/alice/x")), nil, D)
	add(srcNotPrinc, "notPrincipal", withP(alice, req("s3:DeleteBucket", "arn:aws:s3:::shared")), nil, X)
	add(srcNotPrinc, "notPrincipal", withP(anon, req("s3:DeleteBucket", "arn:aws:s3:::shared")), nil, X)
	add(srcNotPrinc, "notPrincipal", withP(admin, req("s3:DeleteBucket", "arn:aws:s3:::shared")), nil, D)
	add(srcNotPrinc, "notPrincipal", withP(root, req("s3:DeleteBucket", "arn:aws:s3:::shared")), nil, D)
	add(srcNotPrinc, "notPrincipal", withP(alice, req("s3:GetObject", "arn:aws:s3:::shared/x")), nil, D)
	dave := &Principal{ARN: "arn:aws:iam::123456789012:user/dave", Account: "123456789012"}
	add(srcS3Prefix, "prefixDelim", withP(dave, req("s3:ListBucket", "arn:aws:s3:::awsexamplebucket1")), kv("s3:prefix", "projects", "s3:delimiter", "/"), A)
	add(srcS3Prefix, "prefixDelim", withP(dave, req("s3:ListBucket", "arn:aws:s3:::awsexamplebucket1")), kv("s3:prefix", "projects"), D)
	add(srcS3Prefix, "prefixDelim", withP(dave, req("s3:ListBucket", "arn:aws:s3:::awsexamplebucket1")), kv("s3:prefix", "other", "s3:delimiter", "/"), D)
	add(srcS3Prefix, "prefixDelim", withP(alice, req("s3:ListBucket", "arn:aws:s3:::awsexamplebucket1")), kv("s3:prefix", "projects", "s3:delimiter", "/"), D)
	return cs
}

// TestAuthorize covers the combination of identity, resource and session
// policies and Block Public Access.
func TestAuthorize(t *testing.T) {
	parse := func(name string, kind Kind) *Document {
		d, err := Parse([]byte(docs[name]), kind)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	allowGet, denyDel, session := parse("allowS3Get", Identity), parse("denyBeatsAllow", Identity), parse("session", Identity)
	public, grantRole, tls := parse("publicRead", Resource), parse("grantRole", Resource), parse("tlsOnly", Resource)
	get := func(p *Principal, res string) *Request {
		r := req("s3:GetObject", res)
		r.Principal = p
		return &r
	}
	cases := []struct {
		src  string
		in   Input
		want Decision
		why  string
	}{
		{srcEvalLogic, Input{Request: get(alice, "arn:aws:s3:::example-bucket/a"), Identity: []*Document{allowGet}}, Allowed, ""},
		{srcEvalLogic, Input{Request: get(alice, "arn:aws:s3:::example-bucket/a")}, ImplicitDeny, "because no identity-based policy allows the s3:GetObject action"},
		{srcEvalLogic, Input{Request: get(root, "arn:aws:s3:::example-bucket/a"), Root: true}, Allowed, ""},
		{srcEvalLogic, Input{Request: get(root, "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a"), Root: true, Resource: tls}, Allowed, ""},
		{srcS3TLS, Input{Request: withKeys(get(root, "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a"), "aws:SecureTransport", "false"), Root: true, Resource: tls}, ExplicitDeny, "with an explicit deny in a resource-based policy"},
		{srcEvalLogic, Input{Request: withAction(get(alice, "arn:aws:s3:::example-bucket/a"), "s3:DeleteObject"), Identity: []*Document{allowGet, denyDel}}, ExplicitDeny, "with an explicit deny in an identity-based policy"},
		{srcEvalRes, Input{Request: get(reader, "arn:aws:s3:::shared/a"), Resource: grantRole, OwnerAccount: "123456789012"}, Allowed, ""},
		{srcEvalRes, Input{Request: get(bob, "arn:aws:s3:::shared/a"), Resource: grantRole, OwnerAccount: "123456789012"}, ImplicitDeny, "because no identity-based policy allows the s3:GetObject action"},
		{srcEvalRes, Input{Request: get(anon, "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a"), Resource: public, OwnerAccount: "123456789012"}, Allowed, ""},
		{srcEvalRes, Input{Request: get(anon, "arn:aws:s3:::example-bucket/a"), Identity: []*Document{allowGet}}, ImplicitDeny, "because no resource-based policy allows the s3:GetObject action"},
		{"S3 User Guide › Blocking public access › RestrictPublicBuckets", Input{Request: get(anon, "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a"), Resource: public, OwnerAccount: "123456789012", IgnorePublicResource: true}, ImplicitDeny, ""},
		{"S3 User Guide › Blocking public access › RestrictPublicBuckets", Input{Request: get(alice, "arn:aws:s3:::DOC-EXAMPLE-BUCKET/a"), Resource: public, OwnerAccount: "123456789012", IgnorePublicResource: true}, Allowed, ""},
		{srcEvalSession, Input{Request: get(reader, "arn:aws:s3:::example-bucket/public/a"), Identity: []*Document{allowGet}, Session: []*Document{session}, HasSession: true}, Allowed, ""},
		{srcEvalSession, Input{Request: get(reader, "arn:aws:s3:::example-bucket/secret/a"), Identity: []*Document{allowGet}, Session: []*Document{session}, HasSession: true}, ImplicitDeny, "because no session policy allows the s3:GetObject action"},
		{srcEvalSession, Input{Request: get(reader, "arn:aws:s3:::other/public/a"), Identity: []*Document{allowGet}, Session: []*Document{session}, HasSession: true}, ImplicitDeny, "because no identity-based policy allows the s3:GetObject action"},
		{srcEvalSession, Input{Request: get(reader, "arn:aws:s3:::example-bucket/secret/a"), Identity: []*Document{allowGet}, HasSession: true}, ImplicitDeny, "because no session policy allows the s3:GetObject action"},
	}
	for i, c := range cases {
		res := Authorize(c.in)
		if res.Decision != c.want || c.why != "" && res.Reason != c.why {
			t.Errorf("case %d (%s): %s %q, want %s %q", i, c.src, res.Decision, res.Reason, c.want, c.why)
		}
	}
	res := Authorize(cases[1].in)
	if msg := res.Message(cases[1].in.Request); msg != "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: s3:GetObject on resource: arn:aws:s3:::example-bucket/a because no identity-based policy allows the s3:GetObject action" {
		t.Errorf("message: %s", msg)
	}
	if !public.IsPublic() || grantRole.IsPublic() || tls.IsPublic() {
		t.Errorf("IsPublic: public %v grantRole %v tlsOnly %v", public.IsPublic(), grantRole.IsPublic(), tls.IsPublic())
	}
}

func withKeys(r *Request, kv ...string) *Request {
	for i := 0; i+1 < len(kv); i += 2 {
		r.Set(kv[i], kv[i+1])
	}
	return r
}

func withAction(r *Request, a string) *Request { r.Action = a; return r }

// TestBoundaryAndResourcePolicies: within an account, a resource policy
// naming the caller itself (a user's ARN, a role session's ARN) grants
// past its permissions boundary and session policies; one naming the
// caller's role, or everyone, grants only within them, as the role's own
// policies do (IAM User Guide, "Permissions boundaries for IAM entities"
// and "Session policies"; the role/session difference as measured
// against AWS in public reports).
func TestBoundaryAndResourcePolicies(t *testing.T) {
	const acct = "123456789012"
	mk := func(kind Kind, doc string) *Document {
		d, err := Parse([]byte(doc), kind)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	boundary := mk(Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	all := mk(Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`)
	session := mk(Identity, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`)
	grant := func(principal string) *Document {
		return mk(Resource, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":`+principal+`,"Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*"}]}`)
	}
	put := func(p *Principal) *Request {
		r := req("s3:PutObject", "arn:aws:s3:::b/k")
		r.Principal = p
		return &r
	}
	bobGrant, roleGrant, sessionGrant, everyone := grant(`{"AWS":"`+bob.ARN+`"}`), grant(`{"AWS":"`+reader.RoleARN+`"}`), grant(`{"AWS":"`+reader.ARN+`"}`), grant(`"*"`)
	cases := []struct {
		name string
		in   Input
		want Decision
	}{
		{"identity allow outside the boundary", Input{Request: put(bob), Identity: []*Document{all}, Boundary: boundary, OwnerAccount: acct}, ImplicitDeny},
		{"identity allow inside the boundary", Input{Request: withAction(put(bob), "s3:GetObject"), Identity: []*Document{all}, Boundary: boundary, OwnerAccount: acct}, Allowed},
		{"resource policy naming the user", Input{Request: put(bob), Boundary: boundary, Resource: bobGrant, OwnerAccount: acct}, Allowed},
		{"resource policy naming the user, identity allows too", Input{Request: put(bob), Identity: []*Document{all}, Boundary: boundary, Resource: bobGrant, OwnerAccount: acct}, Allowed},
		{"resource policy for everyone, user with a boundary", Input{Request: put(bob), Boundary: boundary, Resource: everyone, OwnerAccount: acct}, ImplicitDeny},
		{"resource policy for everyone, user without one", Input{Request: put(bob), Resource: everyone, OwnerAccount: acct}, Allowed},
		{"resource policy naming the role, session with a boundary", Input{Request: put(reader), Boundary: boundary, Resource: roleGrant, OwnerAccount: acct}, ImplicitDeny},
		{"resource policy naming the role, no boundary", Input{Request: put(reader), Resource: roleGrant, OwnerAccount: acct}, Allowed},
		{"resource policy naming the session, boundary", Input{Request: put(reader), Boundary: boundary, Resource: sessionGrant, OwnerAccount: acct}, Allowed},
		{"resource policy naming the role, session policy", Input{Request: put(reader), Resource: roleGrant, Session: []*Document{session}, HasSession: true, OwnerAccount: acct}, ImplicitDeny},
		{"resource policy naming the session, session policy", Input{Request: put(reader), Resource: sessionGrant, Session: []*Document{session}, HasSession: true, OwnerAccount: acct}, Allowed},
		{"a boundary never grants", Input{Request: withAction(put(bob), "s3:GetObject"), Boundary: boundary, OwnerAccount: acct}, ImplicitDeny},
	}
	for _, c := range cases {
		if got := Authorize(c.in); got.Decision != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got.Decision, got.Reason, c.want)
		}
	}
}
