package policy

import "testing"

// BenchmarkEvaluateRole evaluates a realistic identity-pool role — a
// per-identity folder with a prefix condition, a department folder from a
// principal tag, and a TLS-only deny — against an S3 PutObject, with the
// policy compiled once as a server caches it.
func BenchmarkEvaluateRole(b *testing.B) {
	d, err := Parse([]byte(`{"Version":"2012-10-17","Statement":[
		{"Sid":"List","Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::mybucket","Condition":{"StringLike":{"s3:prefix":["${cognito-identity.amazonaws.com:sub}/*"]}}},
		{"Sid":"Own","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::mybucket/${cognito-identity.amazonaws.com:sub}/*","arn:aws:s3:::mybucket/dept/${aws:PrincipalTag/department}/*"]},
		{"Sid":"TLS","Effect":"Deny","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`), Identity)
	if err != nil {
		b.Fatal(err)
	}
	r := &Request{Action: "s3:PutObject", Resource: "arn:aws:s3:::mybucket/dept/sales/2024/report.pdf",
		Principal: &Principal{ARN: "arn:aws:sts::123456789012:assumed-role/auth/CognitoIdentityCredentials", Account: "123456789012"}}
	r.Set("cognito-identity.amazonaws.com:sub", "ap-northeast-1:0f6a5b8c-1111-2222-3333-444455556666")
	r.Set("aws:PrincipalTag/department", "sales")
	r.Set("aws:SecureTransport", "true")
	r.Set("aws:SourceIp", "203.0.113.9")
	in := Input{Request: r, Identity: []*Document{d}}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if !Authorize(in).Allowed() {
			b.Fatal("denied")
		}
	}
}
