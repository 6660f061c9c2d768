package s3

import (
	"strings"
	"testing"
	"time"
)

func TestGlobMatch(t *testing.T) {
	for _, tc := range []struct {
		pat, s string
		want   bool
	}{
		{"arn:aws:s3:::b", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::*", "arn:aws:s3:::b", true},
		{"arn:aws:s3:::*/*", "arn:aws:s3:::b/x", true},
		{"arn:aws:s3:::*/*", "arn:aws:s3:::b", false},
		{"arn:aws:s3:::b?", "arn:aws:s3:::bc", true},
		{"arn:aws:s3:::b?", "arn:aws:s3:::b", false},
		{"*a*b", "xaxb", true},
		{"*a*b", "xaxc", false},
		{"", "", true},
		{"*", "", true},
	} {
		if got := globMatch(tc.pat, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v", tc.pat, tc.s, got)
		}
	}
	// A pattern of many stars must not take exponential time.
	start := time.Now()
	globMatch(strings.Repeat("*a", 5000)+"b", "arn:aws:s3:::"+strings.Repeat("a", 100))
	if d := time.Since(start); d > time.Second {
		t.Errorf("many stars took %v", d)
	}
}
