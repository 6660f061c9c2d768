package front

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/awsregion"
	"github.com/sekisho/sekisho/internal/iam"
	"github.com/sekisho/sekisho/internal/policy"
)

// authzCheck is one authorization question: may the request's principal
// perform action on resource?
type authzCheck struct {
	action, resource string
	// keys adds operation-specific condition keys; uses reports whether
	// any policy involved reads keys with a prefix, to skip costly ones.
	// An error from keys denies (a key a Deny tests could not be read).
	keys func(r *policy.Request, uses func(prefix string) bool) error
	// resourcePolicy is the resource's policy (a bucket policy), if any;
	// restrictPublic applies S3's RestrictPublicBuckets; owner is the
	// resource's account.
	resourcePolicy *policy.Document
	restrictPublic bool
	owner          string
	// acl, if set, reports whether the resource's ACL grants the action
	// to the caller; it is asked only when the policies alone do not
	// allow (reading an object's ACL costs a lookup).
	acl func(p *auth.Principal) (bool, error)
}

// authorize answers c for the request r made by p. It returns nil or an
// AccessDenied error worded as AWS words it, and records what decided in
// the access log.
func (h *Handler) authorize(ctx context.Context, r *http.Request, p *auth.Principal, c authzCheck) error {
	req := &policy.Request{Action: c.action, Resource: c.resource, Principal: iam.PolicyPrincipal(p)}
	h.globalKeys(req, r)
	in := policy.Input{Request: req, Resource: c.resourcePolicy, IgnorePublicResource: c.restrictPublic, OwnerAccount: c.owner}
	if in.OwnerAccount == "" {
		// A call on no resource of another account (STS's, a member
		// account's own) is within the caller's account.
		in.OwnerAccount = h.cfg.Account
		if p.Account != "" {
			in.OwnerAccount = p.Account
		}
	}
	switch {
	case p.Kind == auth.Anonymous:
	case p.Kind == auth.Root:
		in.Root = true
		iam.SetPrincipalKeys(req, p, nil)
	case h.cfg.IAM == nil:
		// Nothing to read the caller's policies from: deny, never allow.
		return errors.New("authorization: no IAM service to read a non-root caller's policies")
	default:
		t, err := h.tenantOf(ctx, p.Account)
		if err != nil {
			return err
		}
		pol, err := t.IAM.IdentityPolicies(ctx, p)
		if err != nil {
			return err
		}
		in.Identity, in.Session, in.HasSession, in.Boundary = pol.Identity, pol.Session, pol.HasSession, pol.Boundary
		iam.SetPrincipalKeys(req, p, pol)
	}
	if c.keys != nil {
		docs := append(append(append([]*policy.Document{}, in.Identity...), in.Session...), in.Resource)
		if err := c.keys(req, func(prefix string) bool {
			for _, d := range docs {
				if d != nil && d.Uses(prefix) {
					return true
				}
			}
			return false
		}); err != nil {
			return err
		}
	}
	res := policy.Authorize(in)
	if res.Decision == policy.ImplicitDeny && c.acl != nil {
		ok, err := c.acl(p)
		if err != nil {
			return err // an ACL that cannot be read grants nothing: deny
		}
		if ok {
			in.ACLAllow = true
			res = policy.Authorize(in)
		}
	}
	ri := info(ctx)
	tr := Trace{Time: time.Now(), RequestID: ri.id, Principal: p.ARN, Action: c.action, Resource: c.resource, Decision: fmt.Sprint(res.Decision), Context: req.Keys()}
	if res.Statement != nil {
		sid := res.Statement.Sid
		if sid == "" {
			sid = "#" + strconv.Itoa(res.Statement.Index)
		}
		ri.decision = fmt.Sprintf("%s %s by %s policy statement %s", c.action, res.Decision, res.Source, sid)
		tr.Source, tr.Statement = fmt.Sprint(res.Source), sid
	} else {
		ri.decision = fmt.Sprintf("%s %s", c.action, res.Decision)
	}
	h.traces.add(tr)
	ri.authorized = 1
	if res.Allowed() {
		return nil
	}
	ri.authorized = 2
	return awserr.New(403, "AccessDenied", res.Message(req))
}

// globalKeys sets the request-wide condition keys.
func (h *Handler) globalKeys(req *policy.Request, r *http.Request) {
	now := time.Now().UTC()
	req.Set("aws:CurrentTime", now.Format(time.RFC3339))
	req.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
	req.Set("aws:SecureTransport", strconv.FormatBool(r.TLS != nil))
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		req.Set("aws:SourceIp", host)
	}
	if ua := r.Header.Get("User-Agent"); ua != "" {
		req.Set("aws:UserAgent", ua)
	}
	if ref := r.Header.Get("Referer"); ref != "" {
		req.Set("aws:Referer", ref)
	}
	region := h.cfg.Region
	if rr := scopeRegion(r); awsregion.Valid(rr) {
		region = rr
	}
	req.Set("aws:RequestedRegion", region)
}

// scopeRegion is the region of the SigV4 credential scope a request
// names, in its Authorization header or presigned query, or "". The
// signature itself is checked elsewhere, before any policy is asked.
func scopeRegion(r *http.Request) string {
	cred := r.URL.Query().Get("X-Amz-Credential")
	if h := r.Header.Get("Authorization"); strings.HasPrefix(h, "AWS4-") {
		if i := strings.Index(h, "Credential="); i >= 0 {
			cred = h[i+len("Credential="):]
			if j := strings.IndexAny(cred, ", "); j >= 0 {
				cred = cred[:j]
			}
		}
	}
	parts := strings.Split(cred, "/")
	if len(parts) != 5 {
		return ""
	}
	return parts[2]
}
