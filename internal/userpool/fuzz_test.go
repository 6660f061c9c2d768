package userpool

import (
	"strings"
	"testing"

	"github.com/sekisho/sekisho/internal/srp"
)

// FuzzParseFilter: any ListUsers filter parses to a known attribute or
// fails with InvalidParameterException.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{`email = "a@b.c"`, `username ^= "ta"`, `"cognito:user_status" = "CONFIRMED"`, `name = "say \"hi\""`, `email="x`, `bogus = "1"`, ``} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		attr, op, _, err := parseFilter(s)
		if err != nil {
			if code(err) != "InvalidParameterException" {
				t.Fatalf("parseFilter(%q): %v", s, err)
			}
			return
		}
		if attr != "" && op != "=" && op != "^=" {
			t.Fatalf("parseFilter(%q) op %q", s, op)
		}
	})
}

// FuzzTimestamp: a TIMESTAMP either is refused or re-renders to a
// canonical form that parses to itself.
func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"Wed Apr 5 22:42:34 UTC 2017", "Sat Nov 21 09:03:02 UTC 2026", "Wed Apr 05 22:42:34 UTC 2017", "Mon Jan 1 24:00:00 UTC 2024", "garbage"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, ok := srp.ParseTimestamp(s)
		if !ok {
			return
		}
		c2, ok2 := srp.ParseTimestamp(c)
		if !ok2 || c2 != c || strings.Contains(c, "  ") {
			t.Fatalf("canonical %q of %q re-renders as %q", c, s, c2)
		}
	})
}
