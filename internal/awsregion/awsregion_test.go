package awsregion

import (
	"context"
	"testing"
)

func TestRegion(t *testing.T) {
	ctx := context.Background()
	if got := From(ctx, "us-east-1"); got != "us-east-1" {
		t.Fatalf("default: %s", got)
	}
	if got := From(With(ctx, "ap-northeast-1"), "us-east-1"); got != "ap-northeast-1" {
		t.Fatalf("with: %s", got)
	}
	for _, bad := range []string{"", "us-east", "US-EAST-1", "x", "us-east-1/../", "us-east-1_Ab", "a-b-1", "xx-abcdefghijklmn-1"} {
		if got := From(With(ctx, bad), "us-east-1"); got != "us-east-1" {
			t.Errorf("With(%q) kept it: %s", bad, got)
		}
	}
	for id, want := range map[string]string{
		"us-west-2_AbCdEfGhI": "us-west-2",
		"us-gov-west-1_x":     "us-gov-west-1",
		"nonsense_x":          "def",
		"_x":                  "def",
		"":                    "def",
		"us-west-2":           "def",
	} {
		if got := Of(id, '_', "def"); got != want {
			t.Errorf("Of(%q) = %s, want %s", id, got, want)
		}
	}
	if got := Of("eu-west-1:0b1c2d3e-aaaa-bbbb-cccc-0123456789ab", ':', "def"); got != "eu-west-1" {
		t.Errorf("identity pool id: %s", got)
	}
}
