// Package awsregion carries the region a request was signed for, so the
// services can name what they create in it as AWS does: a user pool made
// by a client of us-west-2 is us-west-2_…, with an ARN of that region,
// whatever region the server was started with.
//
// The services know nothing of HTTP; the front puts the region of the
// request's SigV4 credential scope into the context, and the services
// read it with From, falling back to the server's region.
package awsregion

import (
	"context"
	"regexp"
	"strings"
)

type key struct{}

// nameRE is the shape of a region name (us-east-1, ap-northeast-1,
// us-gov-west-1, eu-central-2).
var nameRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d{1,2}$`)

// Valid reports whether r looks like a region name. Real ones are at most
// 15 characters; past 18 an identity pool id (region, ":", a UUID) would
// outgrow the 55 characters AWS's API allows it.
func Valid(r string) bool { return len(r) <= 18 && nameRE.MatchString(r) }

// With returns ctx carrying region r. A name that is not a region's is
// ignored, so From falls back to the server's region.
func With(ctx context.Context, r string) context.Context {
	if !Valid(r) {
		return ctx
	}
	return context.WithValue(ctx, key{}, r)
}

// From returns the region ctx carries, or def.
func From(ctx context.Context, def string) string {
	if r, ok := ctx.Value(key{}).(string); ok {
		return r
	}
	return def
}

// Of returns the region an id names before sep (a user pool id
// "us-west-2_AbC", sep '_'; an identity pool or identity id
// "us-west-2:uuid", sep ':'), or def when the id names none.
func Of(id string, sep byte, def string) string {
	if i := strings.IndexByte(id, sep); i > 0 && Valid(id[:i]) {
		return id[:i]
	}
	return def
}
