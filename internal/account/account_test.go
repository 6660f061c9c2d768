package account

import (
	"strings"
	"testing"
)

// TestIDs: ids made for a member account name it; the management
// account's shapes (and AWS's) never do.
func TestIDs(t *testing.T) {
	const acct = "123456789012"
	for _, id := range []string{PoolID("us-east-1", acct), ClientID(acct), "us-east-1:" + UUID(acct)} {
		if got, ok := OfID(id); !ok || got != acct {
			t.Errorf("%s: %q %v", id, got, ok)
		}
	}
	if c := ClientID(acct); len(c) != 26 {
		t.Errorf("client id %q is %d long", c, len(c))
	}
	if u := UUID(acct); len(u) != 36 || u[14] != '8' || !strings.Contains("89ab", string(u[19])) {
		t.Errorf("uuid %q", u)
	}
	for _, id := range []string{"us-east-1_AbCdEfGhI", "4s6hd1j2k3l4m5n6o7p8q9r0s1", "us-east-1:8c5b4d3e-1f2a-4b6c-9d7e-0a1b2c3d4e5f", "", "_", ":", "eu-west-1_"} {
		if got, ok := OfID(id); ok {
			t.Errorf("%q names %s", id, got)
		}
	}
}
