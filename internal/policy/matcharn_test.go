package policy

import (
	"strings"
	"testing"
	"time"
)

func TestMatchesARN(t *testing.T) {
	for _, tc := range []struct {
		pat, arn string
		want     bool
	}{
		{"arn:aws:s3:::b", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::*", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::*/*", "arn:aws:s3:::b/x", true},
		{"arn:aws:s3:::*/*", "arn:aws:s3:::b", false},
		{"arn:aws:s3:::b?", "arn:aws:s3:::bc", true},
		{"arn:aws:s3:::b?", "arn:aws:s3:::b", false},
		{"*", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::${aws:username}", "arn:aws:s3:::b", false},
		{"arn:aws:s3:::other/*", "arn:aws:s3:::b/x", false},
	} {
		if got := MatchesARN(tc.pat, tc.arn); got != tc.want {
			t.Errorf("MatchesARN(%q, %q) = %v", tc.pat, tc.arn, got)
		}
	}
	// A pattern of many stars must not take exponential time.
	start := time.Now()
	MatchesARN("arn:aws:s3:::"+strings.Repeat("*a", 5000)+"b", "arn:aws:s3:::"+strings.Repeat("a", 100))
	if d := time.Since(start); d > time.Second {
		t.Errorf("many stars took %v", d)
	}
}
