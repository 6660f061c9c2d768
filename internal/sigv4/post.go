package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
)

// VerifyPost checks the signature of a browser form upload (S3 POST
// Object). fields holds the form fields by lower-case name. The signature
// covers the base64 policy field exactly as sent: SigV4 (x-amz-algorithm,
// x-amz-credential, x-amz-date, x-amz-signature) or SigV2
// (awsaccesskeyid, signature). A form without a signature verifies as
// anonymous. The policy's own conditions are checked by the caller.
func (v *Verifier) VerifyPost(ctx context.Context, fields map[string]string) (*auth.Principal, error) {
	policy := fields["policy"]
	a := &Auth{SessionToken: fields["x-amz-security-token"]}
	switch {
	case fields["x-amz-signature"] != "" || fields["x-amz-credential"] != "" || fields["x-amz-algorithm"] != "":
		if fields["x-amz-algorithm"] != "AWS4-HMAC-SHA256" {
			return nil, errorf(KindMalformedQuery, "Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm.")
		}
		akid, scope, err := parseCredential(fields["x-amz-credential"], KindMalformedQuery)
		if err != nil {
			return nil, err
		}
		sig, err := parseSignature(fields["x-amz-signature"], KindSignatureMismatch)
		if err != nil {
			return nil, errorf(KindSignatureMismatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		if policy == "" {
			return nil, errorf(KindMalformedQuery, "Bucket POST must contain a field named 'policy'.  If it is specified, please check the order of the fields.")
		}
		a.Scheme, a.AccessKeyID, a.Scope = QueryV4, akid, scope
		cred, err := v.lookup(ctx, a)
		if err != nil {
			return nil, err
		}
		key := v.keys.get(cred.SecretAccessKey, scope)
		if !hmac.Equal(hmacSHA256(key, policy), sig) {
			return nil, errorf(KindSignatureMismatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		return principalFor(cred, a), nil
	case fields["awsaccesskeyid"] != "" || fields["signature"] != "":
		if policy == "" || fields["awsaccesskeyid"] == "" || fields["signature"] == "" {
			return nil, errorf(KindMalformedQuery, "Bucket POST must contain the fields AWSAccessKeyId, policy and signature.")
		}
		// A signature that is not even base64 is simply wrong: S3 answers
		// it as it answers any other wrong signature (403).
		sig, _ := base64.StdEncoding.DecodeString(fields["signature"])
		a.Scheme, a.AccessKeyID = QueryV2, fields["awsaccesskeyid"]
		cred, err := v.lookup(ctx, a)
		if err != nil {
			return nil, err
		}
		mac := hmac.New(sha1.New, []byte(cred.SecretAccessKey))
		mac.Write([]byte(policy))
		if !hmac.Equal(mac.Sum(nil), sig) {
			return nil, errorf(KindSignatureMismatch, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
		return principalFor(cred, a), nil
	}
	if strings.TrimSpace(policy) != "" {
		return nil, errorf(KindMalformedQuery, "Bucket POST must contain a signature when it contains a policy.")
	}
	return auth.AnonymousPrincipal, nil
}
