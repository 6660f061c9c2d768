package front

import (
	"context"
	"net/url"
	"reflect"
	"strconv"
	"testing"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
)

func TestDecodeForm(t *testing.T) {
	type page struct {
		Marker   string
		MaxItems int
	}
	var in struct {
		page
		RoleName    string `form:",required"`
		Description *string
		Absent      *string
		SetDefault  bool     `form:"SetAsDefault"`
		Keys        []string `form:"TagKeys"`
		Tags        []iam.Tag
		Skip        string `form:"-"`
	}
	form, _ := url.ParseQuery("RoleName=r&Description=&SetAsDefault=true&Marker=m&MaxItems=7&Skip=x" +
		"&TagKeys.member.1=a&TagKeys.member.2=b&TagKeys.member.4=gap" +
		"&Tags.member.1.Key=k1&Tags.member.1.Value=v1&Tags.member.2.Key=k2")
	if err := decodeForm(form, &in); err != nil {
		t.Fatal(err)
	}
	if in.RoleName != "r" || in.Description == nil || *in.Description != "" || in.Absent != nil || !in.SetDefault ||
		in.Marker != "m" || in.MaxItems != 7 || in.Skip != "" {
		t.Errorf("scalars: %+v", in)
	}
	if !reflect.DeepEqual(in.Keys, []string{"a", "b"}) {
		t.Errorf("list stops at the first gap: %v", in.Keys)
	}
	if !reflect.DeepEqual(in.Tags, []iam.Tag{{Key: "k1", Value: "v1"}, {Key: "k2"}}) {
		t.Errorf("structs: %v", in.Tags)
	}
}

func TestDecodeFormErrors(t *testing.T) {
	var in struct {
		RoleName                 string `form:",required"`
		AssumeRolePolicyDocument string `form:",required"`
		MaxSessionDuration       int
	}
	cases := map[string]string{
		"":           "2 validation errors detected: Value null at 'roleName' failed to satisfy constraint: Member must not be null; Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null",
		"RoleName=r": "1 validation error detected: Value null at 'assumeRolePolicyDocument' failed to satisfy constraint: Member must not be null",
		"RoleName=r&AssumeRolePolicyDocument=d&MaxSessionDuration=x": "1 validation error detected: Value 'x' at 'MaxSessionDuration' failed to satisfy constraint: Member must be a number",
	}
	for q, want := range cases {
		form, _ := url.ParseQuery(q)
		err := decodeForm(form, &in)
		e, ok := awserr.As(err)
		if !ok || e.Code != "ValidationError" || e.Status != 400 || e.Message != want {
			t.Errorf("%q: got %v, want ValidationError %q", q, err, want)
		}
	}
}

// A form with many members decodes in time linear in its size: each
// element's fields are looked up, never scanned for.
func BenchmarkDecodeFormManyTags(b *testing.B) {
	form := url.Values{}
	for i := 1; i <= 10000; i++ {
		form.Set("Tags.member."+strconv.Itoa(i)+".Key", "k")
	}
	var in struct{ Tags []iam.Tag }
	for b.Loop() {
		in.Tags = nil
		if err := decodeForm(form, &in); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDecodeForm: any form decodes into a table's input or fails with a
// ValidationError; nothing panics.
func FuzzDecodeForm(f *testing.F) {
	f.Add("RoleName=r&AssumeRolePolicyDocument=d&MaxSessionDuration=3600&Tags.member.1.Key=k&Tags.member.1.Value=v")
	f.Add("MaxSessionDuration=99999999999999999999&TagKeys.member.1=a&Description=")
	f.Add("PolicyArns.member.1.arn=x&PolicyArns.member.2.arn=&OnlyAttached=true")
	f.Fuzz(func(t *testing.T, q string) {
		form, err := url.ParseQuery(q)
		if err != nil {
			return
		}
		var in struct {
			listIn
			RoleName                 string `form:",required"`
			AssumeRolePolicyDocument string
			MaxSessionDuration       int
			Description              *string
			OnlyAttached             bool
			TagKeys                  []string
			Tags                     []iam.Tag
			PolicyArns               []policyArn
		}
		if err := decodeForm(form, &in); err != nil && !awserr.Is(err, "ValidationError") {
			t.Fatalf("%q: %v", q, err)
		}
	})
}

// TestIAMKeysMatchDecodedTags: the aws:RequestTag keys an IAM call is
// authorized with are the tags its method decodes, even when an earlier
// member lacks its Key (the old reader stopped there and a Deny on the
// later tag never saw it).
func TestIAMKeysMatchDecodedTags(t *testing.T) {
	form, _ := url.ParseQuery("RoleName=r&Tags.member.1.Value=x&Tags.member.2.Key=secret&Tags.member.2.Value=v")
	r := &policy.Request{}
	if err := iamKeysOf(context.Background(), nil, form)(r, func(string) bool { return false }); err != nil {
		t.Fatal(err)
	}
	if got := r.Get("aws:RequestTag/secret"); len(got) != 1 || got[0] != "v" {
		t.Errorf("aws:RequestTag/secret = %v, want [v]", got)
	}
}
