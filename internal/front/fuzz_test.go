package front

import (
	"net/http"
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/awserr"
)

// FuzzDecodeJSON: arbitrary JSON 1.1 bodies decode or fail with a
// SerializationException, never anything else.
func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"AuthFlow":"USER_PASSWORD_AUTH","ClientId":"abc","AuthParameters":{"USERNAME":"u","PASSWORD":"p"}}`))
	f.Add([]byte(`{"IdentityPoolId":"us-east-1:1","Logins":{"k":"v"}}`))
	f.Add([]byte(`{"a":1}{}`))
	f.Add([]byte(`[`))
	f.Add([]byte(``))
	f.Fuzz(func(t *testing.T, body []byte) {
		var v struct {
			AuthFlow       string
			ClientId       string
			AuthParameters map[string]string
			Logins         map[string]string
			MaxResults     int
		}
		if err := DecodeJSON(body, &v); err != nil && !awserr.Is(err, "SerializationException") {
			t.Fatalf("unexpected error %v", err)
		}
	})
}

// FuzzDecodeQuery: arbitrary query-protocol forms decode or fail with
// MalformedQueryString.
func FuzzDecodeQuery(f *testing.F) {
	f.Add("Action=GetCallerIdentity&Version=2011-06-15")
	f.Add("Action=AssumeRoleWithWebIdentity&RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fr&WebIdentityToken=a.b.c")
	f.Add("a=%zz")
	f.Add("Tags.member.1.Key=k&Tags.member.1.Value=v")
	f.Fuzz(func(t *testing.T, form string) {
		r, _ := http.NewRequest("POST", "http://localhost/", strings.NewReader(form))
		if _, err := DecodeQuery(r, []byte(form)); err != nil && !awserr.Is(err, "MalformedQueryString") {
			t.Fatalf("unexpected error %v", err)
		}
	})
}
