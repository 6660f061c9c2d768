package policy

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValidation: documents AWS rejects are rejected with a message that
// says what is wrong; the accepted ones include actions of services this
// server does not run. (IAM's own documents are checked first by iam's
// checkDocument, in AWS's words; Parse is lenient where IAM is, so the
// strict cases here are bucket policies.)
func TestValidation(t *testing.T) {
	bad := []struct {
		doc  string
		kind Kind
		msg  string
	}{
		{`not json`, Identity, "JSON object"},
		{`{"Version":"2012-10-17","Statement":[}`, Identity, "invalid Json"},
		{`{"Version":"2012-10-18","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Identity, "invalid Version"},
		{`{"Version":"2012-10-17"}`, Identity, "Missing required field Statement"},
		{`{"Version":"2012-10-17","Statement":[]}`, Identity, "Missing required field Statement"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Permit","Action":"s3:*","Resource":"*"}]}`, Identity, "Invalid effect: Permit"},
		{`{"Version":"2012-10-17","Statement":[{"Action":"s3:*","Resource":"*"}]}`, Identity, "Missing required field Effect"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`, Identity, "must contain actions"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":[],"Resource":"*"}]}`, Identity, "must contain actions"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"GetObject","Resource":"*"}]}`, Resource, "prefaced by a vendor"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*"}]}`, Identity, "must contain resources"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"bucket"}]}`, Resource, "ARN format"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","NotAction":"s3:Get*","Resource":"*"}]}`, Identity, "both Action and NotAction"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*"}]}`, Identity, "should not specify a principal"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEqualz":{"aws:username":"a"}}}]}`, Identity, "invalid condition operator"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"ForSomeValues:StringEquals":{"aws:TagKeys":"a"}}}]}`, Identity, "set qualifier"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":"ten"}}}]}`, Resource, "not a number"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}}]}`, Resource, "not an IP address"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"DateLessThan":{"aws:CurrentTime":"tomorrow"}}}]}`, Resource, "not a date"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"maybe"}}}]}`, Resource, "not true or false"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"username":"a"}}}]}`, Resource, "prefaced by a vendor"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Bogus":1}]}`, Identity, "unknown element"},
		{`{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Action":"s3:*","Resource":"*"},{"Sid":"a","Effect":"Deny","Action":"s3:*","Resource":"*"}]}`, Identity, "unique"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`, Resource, "Missing required field Principal"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"}]}`, Resource, "neither an ARN nor an account id"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Person":"x"},"Action":"s3:*","Resource":"*"}]}`, Resource, "unknown principal type"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole","Resource":"*"}]}`, Trust, "prohibited field Resource"},
		{`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole"}]}`, Trust, "Missing required field Principal"},
	}
	for _, c := range bad {
		_, err := Parse([]byte(c.doc), c.kind)
		if err == nil || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Parse(%s) = %v, want an error containing %q", c.doc, err, c.msg)
		}
	}
	good := []string{
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["cognito-sync:*","mobileanalytics:PutEvents","s3-object-lambda:*"],"Resource":"*"}}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"s3:max-keys":10},"Bool":{"aws:SecureTransport":true}}}]}`,
	}
	for _, g := range good {
		if _, err := Parse([]byte(g), Identity); err != nil {
			t.Errorf("Parse(%s): %v", g, err)
		}
	}
	if _, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"s3:*","Resource":"*"}]}`), Resource); err != nil {
		t.Errorf("account id principal: %v", err)
	}
}

// TestRoundTrip: every document of the case table re-serializes to one
// that parses to the same canonical form.
func TestRoundTrip(t *testing.T) {
	for name, text := range docs {
		kind := docKind(text)
		d, err := Parse([]byte(text), kind)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		checkRoundTrip(t, d, kind)
	}
}

func checkRoundTrip(t *testing.T, d *Document, kind Kind) {
	t.Helper()
	b1, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Parse(b1, kind)
	if err != nil {
		t.Fatalf("re-parse of %s: %v", b1, err)
	}
	b2, _ := json.Marshal(d2)
	if string(b1) != string(b2) {
		t.Fatalf("round trip changed the document:\n%s\n%s", b1, b2)
	}
}

func FuzzParse(f *testing.F) {
	for _, text := range docs {
		f.Add(text, uint8(0), "s3:GetObject", "arn:aws:s3:::b/k", "v")
	}
	f.Add(`{"Version":"2012-10-17","Statement":{"Effect":"Deny","NotAction":"a:b","NotResource":"arn:a:b:c:d:${x, 'y'}","Condition":{"ForAllValues:StringLikeIfExists":{"a:b":["*${*}?"]}}}}`, uint8(0), "a:c", "arn:a:b:c:d:y", "z")
	f.Fuzz(func(t *testing.T, text string, kind uint8, action, resource, value string) {
		k := Kind(kind % 3)
		d, err := Parse([]byte(text), k)
		if err != nil {
			return
		}
		checkRoundTrip(t, d, k)
		r := &Request{Action: action, Resource: resource, Principal: &Principal{ARN: value, Account: "123456789012"}}
		for _, s := range d.Statements {
			for _, c := range s.Conditions {
				r.Set(c.Key, value, value+"x")
			}
		}
		d.Evaluate(r)
		Authorize(Input{Request: r, Identity: []*Document{d}, Resource: d, Session: []*Document{d}, HasSession: true})
	})
}

func docKind(text string) Kind {
	switch {
	case !strings.Contains(text, `"Principal"`) && !strings.Contains(text, `"NotPrincipal"`):
		return Identity
	case strings.Contains(text, "sts:AssumeRole"):
		return Trust
	}
	return Resource
}

// TestStatementSpans: each statement knows where its text begins and
// ends, for the simulator's MatchedStatements.
func TestStatementSpans(t *testing.T) {
	doc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\"Effect\": \"Allow\", \"Action\": \"s3:*\", \"Resource\": \"*\"},\n    {\n      \"Sid\": \"b}\\\"[\",\n      \"Effect\": \"Deny\", \"Action\": \"s3:Delete*\", \"Resource\": \"*\"\n    }\n  ]\n}"
	d, err := Parse([]byte(doc), Identity)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]Position{{{4, 5}, {4, 59}}, {{5, 5}, {8, 6}}}
	for i, st := range d.Statements {
		if st.Start != want[i][0] || st.End != want[i][1] {
			t.Errorf("statement %d: %v–%v, want %v–%v", i, st.Start, st.End, want[i][0], want[i][1])
		}
	}
	one, _ := Parse([]byte(`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}`), Identity)
	if st := one.Statements[0]; st.Start != (Position{1, 37}) || st.End != (Position{1, 86}) {
		t.Errorf("single statement %v–%v", st.Start, st.End)
	}
}

func TestGrantsService(t *testing.T) {
	for _, c := range []struct {
		doc  string
		ns   string
		want bool
	}{
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, "s3", true},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`, "iam", false},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "iam", true},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"S3:*","Resource":"*"}}`, "s3", true},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"cognito-*:List*","Resource":"*"}}`, "cognito-idp", true},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"s3:*","Resource":"*"}}`, "s3", false},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}`, "s3", false},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:Delete*","Resource":"*"}}`, "s3", true},
		{`{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"s3:*","Resource":"*"}}`, "iam", true},
	} {
		d, err := Parse([]byte(c.doc), Identity)
		if err != nil {
			t.Fatal(err)
		}
		if got := d.GrantsService(c.ns); got != c.want {
			t.Errorf("%s for %s: %v, want %v", c.doc, c.ns, got, c.want)
		}
	}
}
