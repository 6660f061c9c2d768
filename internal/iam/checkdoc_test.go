package iam

import (
	"encoding/json"
	"errors"
	"os"
	"testing"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
)

// TestPolicyDocuments runs the table of documents in
// testdata/policy_documents.json: for each, IAM's answer — "OK" or the
// MalformedPolicyDocument message, in AWS's words. The table collects the
// rules AWS documents and the answers public emulator suites verified
// against AWS (syntax, version, legacy parsing, SIDs, actions, resource
// formats and partitions, vendors, trust policy actions), and the valid
// documents a stricter validator used to refuse (condition keys without a
// vendor, empty operator maps, null list entries, values a typed operator
// cannot read).
func TestPolicyDocuments(t *testing.T) {
	b, err := os.ReadFile("testdata/policy_documents.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct{ Kind, Doc, Want string }
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	s := &Service{}
	for _, c := range cases {
		kind := policy.Identity
		if c.Kind == "trust" {
			kind = policy.Trust
		}
		_, err := s.validate(c.Doc, kind)
		got := "OK"
		var ae *awserr.Error
		if errors.As(err, &ae) {
			got = ae.Message
			if ae.Code != "MalformedPolicyDocument" {
				t.Errorf("%s: code %s", c.Doc, ae.Code)
			}
		} else if err != nil {
			got = err.Error()
		}
		if got != c.Want {
			t.Errorf("%s policy %s\n got  %s\n want %s", c.Kind, c.Doc, got, c.Want)
		}
	}
	t.Logf("%d documents", len(cases))
}

// FuzzCheckDocument: any text gets an answer, never a panic, and what
// IAM's checks accept, the engine compiles.
func FuzzCheckDocument(f *testing.F) {
	b, _ := os.ReadFile("testdata/policy_documents.json")
	var cases []struct{ Doc string }
	json.Unmarshal(b, &cases)
	for _, c := range cases {
		f.Add(c.Doc)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		for _, kind := range []policy.Kind{policy.Identity, policy.Trust} {
			if checkDocument(doc, kind) == nil {
				if _, err := policy.Parse([]byte(doc), kind); err != nil {
					var pe *policy.Error
					if !errors.As(err, &pe) {
						t.Fatalf("%q: %v", doc, err)
					}
				}
			}
		}
	})
}

// TestAWSManagedPoliciesCompile: every AWS managed policy served compiles
// in the engine that authorizes requests.
func TestAWSManagedPoliciesCompile(t *testing.T) {
	if len(awsManaged) < 50 {
		t.Fatalf("%d AWS managed policies", len(awsManaged))
	}
	for arn, p := range awsManaged {
		if _, err := policy.Parse([]byte(p.Document()), policy.Identity); err != nil {
			t.Errorf("%s: %v", arn, err)
		}
	}
}
