package front

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/s3route"
)

// Replication on the wire, and the authorization of each copy as a
// session of the configuration's role (internal/s3/replication.go).

type xmlStatus struct {
	Status string `xml:"Status"`
}

type xmlReplicationRule struct {
	ID                        string         `xml:"ID,omitempty"`
	Priority                  *int           `xml:"Priority"`
	Prefix                    *string        `xml:"Prefix"`
	Filter                    *xmlReplFilter `xml:"Filter"`
	Status                    string         `xml:"Status"`
	SourceSelectionCriteria   *struct{}      `xml:"SourceSelectionCriteria"`
	ExistingObjectReplication *xmlStatus     `xml:"ExistingObjectReplication"`
	Destination               *xmlReplDest   `xml:"Destination"`
	DeleteMarkerReplication   *xmlStatus     `xml:"DeleteMarkerReplication"`
}

type xmlReplFilter struct {
	Prefix *string     `xml:"Prefix"`
	Tag    *xmlTagKV   `xml:"Tag"`
	And    *xmlReplAnd `xml:"And"`
}

type xmlReplAnd struct {
	Prefix *string    `xml:"Prefix"`
	Tags   []xmlTagKV `xml:"Tag"`
}

type xmlReplDest struct {
	Bucket                   string    `xml:"Bucket"`
	Account                  string    `xml:"Account,omitempty"`
	StorageClass             string    `xml:"StorageClass,omitempty"`
	AccessControlTranslation *struct{} `xml:"AccessControlTranslation"`
	EncryptionConfiguration  *struct{} `xml:"EncryptionConfiguration"`
	ReplicationTime          *struct{} `xml:"ReplicationTime"`
	Metrics                  *struct{} `xml:"Metrics"`
}

type xmlReplication struct {
	XMLName xml.Name             `xml:"ReplicationConfiguration"`
	Xmlns   string               `xml:"xmlns,attr,omitempty"`
	Role    string               `xml:"Role"`
	Rules   []xmlReplicationRule `xml:"Rule"`
}

func (h *Handler) s3PutBucketReplication(q *s3Request) error {
	var x xmlReplication
	if err := decodeXML(q, true, &x); err != nil {
		return err
	}
	c := &s3.ReplicationConfig{Role: x.Role}
	for _, xr := range x.Rules {
		d := xr.Destination
		if d == nil {
			return malformed()
		}
		if xr.SourceSelectionCriteria != nil || d.AccessControlTranslation != nil || d.EncryptionConfiguration != nil || d.ReplicationTime != nil || d.Metrics != nil {
			return awserr.New(501, "NotImplemented", "sekisho does not implement replication of encrypted objects, owner override, Replication Time Control or replication metrics.")
		}
		r := s3.ReplicationRule{ID: xr.ID, Priority: xr.Priority, Status: xr.Status, Prefix: xr.Prefix,
			Destination: s3.ReplicationDestination{Bucket: d.Bucket, Account: d.Account, StorageClass: d.StorageClass}}
		if f := xr.Filter; f != nil {
			r.Filter = &s3.ReplicationFilter{Prefix: f.Prefix}
			n := 0
			if f.Prefix != nil {
				n++
			}
			if f.Tag != nil {
				n++
				r.Filter.Tags = []s3.Tag{{Key: f.Tag.Key, Value: f.Tag.Value}}
			}
			if f.And != nil {
				n++
				r.Filter.And, r.Filter.Prefix = true, f.And.Prefix
				for _, t := range f.And.Tags {
					r.Filter.Tags = append(r.Filter.Tags, s3.Tag{Key: t.Key, Value: t.Value})
				}
			}
			if n > 1 {
				return malformed()
			}
		}
		if xr.DeleteMarkerReplication != nil {
			r.DeleteMarkerReplication = xr.DeleteMarkerReplication.Status
		}
		if xr.ExistingObjectReplication != nil {
			r.ExistingObjectReplication = xr.ExistingObjectReplication.Status
		}
		c.Rules = append(c.Rules, r)
	}
	if err := h.cfg.S3.PutBucketReplication(q.r.Context(), q.route.Bucket, c); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketReplication(q *s3Request) error {
	c, err := h.cfg.S3.GetBucketReplication(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	x := xmlReplication{Xmlns: s3Xmlns, Role: c.Role}
	for _, r := range c.Rules {
		xr := xmlReplicationRule{ID: r.ID, Priority: r.Priority, Prefix: r.Prefix, Status: r.Status}
		xr.Destination = &xmlReplDest{Bucket: r.Destination.Bucket, Account: r.Destination.Account, StorageClass: r.Destination.StorageClass}
		if f := r.Filter; f != nil {
			xr.Filter = &xmlReplFilter{}
			switch {
			case f.And:
				xr.Filter.And = &xmlReplAnd{Prefix: f.Prefix}
				for _, t := range f.Tags {
					xr.Filter.And.Tags = append(xr.Filter.And.Tags, xmlTagKV{t.Key, t.Value})
				}
			case len(f.Tags) == 1:
				xr.Filter.Tag = &xmlTagKV{f.Tags[0].Key, f.Tags[0].Value}
			default:
				xr.Filter.Prefix = f.Prefix
			}
		}
		if r.DeleteMarkerReplication != "" {
			xr.DeleteMarkerReplication = &xmlStatus{r.DeleteMarkerReplication}
		}
		if r.ExistingObjectReplication != "" {
			xr.ExistingObjectReplication = &xmlStatus{r.ExistingObjectReplication}
		}
		x.Rules = append(x.Rules, xr)
	}
	return writeS3XML(q.w, x)
}

func (h *Handler) s3DeleteBucketReplication(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketReplication(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// replicationSession is the session name replication copies are made
// under.
const replicationSession = "s3-replication"

// ReplicationAuthz authorizes one action of a replication copy as S3
// does: the role must trust s3.amazonaws.com, and a session of it must be
// allowed the action on the object by its own policies and the bucket's
// policy. Any failure to decide denies.
func (h *Handler) ReplicationAuthz(ctx context.Context, roleARN, action, bucket, key string) error {
	parts := strings.SplitN(roleARN, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return fmt.Errorf("replication role %q is not a role ARN", roleARN)
	}
	acct, name := parts[4], parts[5][strings.LastIndex(parts[5], "/")+1:]
	t, err := h.tenantOf(ctx, acct)
	if err != nil || t == nil || t.IAM == nil {
		return fmt.Errorf("replication role %s: no IAM for account %s", roleARN, acct)
	}
	role, err := t.IAM.GetRole(ctx, name)
	if err != nil {
		return fmt.Errorf("replication role %s: %w", roleARN, err)
	}
	if role.ARN != roleARN {
		return fmt.Errorf("replication role %s: not found", roleARN)
	}
	trust, err := t.IAM.TrustPolicy(role)
	if err != nil {
		return fmt.Errorf("replication role %s: its trust policy: %w", roleARN, err)
	}
	if d, _ := trust.Evaluate(&policy.Request{Action: "sts:AssumeRole", Resource: role.ARN, Principal: &policy.Principal{Service: "s3.amazonaws.com"}}); d != policy.Allowed {
		return fmt.Errorf("replication role %s does not trust s3.amazonaws.com", roleARN)
	}
	p := &auth.Principal{Kind: auth.AssumedRole, Account: acct, ARN: "arn:aws:sts::" + acct + ":assumed-role/" + name + "/" + replicationSession,
		UserID: role.ID + ":" + replicationSession, Session: &auth.Session{RoleName: name, RoleARN: role.ARN, RoleID: role.ID, SessionName: replicationSession}}
	r, err := http.NewRequestWithContext(ctx, http.MethodPut, "http://s3.amazonaws.com/", nil)
	if err != nil {
		return err
	}
	q := &s3Request{apiCall: &apiCall{w: nopResponse{http.Header{}}, r: r, p: p, service: "s3"},
		route: s3route.Route{Bucket: bucket, Key: key}, query: map[string][]string{}}
	return h.authorizeS3As(q, p, action, bucket, objectARN(bucket, key), nil)
}

// nopResponse is the response of a request the server makes to itself.
type nopResponse struct{ h http.Header }

func (n nopResponse) Header() http.Header       { return n.h }
func (nopResponse) Write(b []byte) (int, error) { return len(b), nil }
func (nopResponse) WriteHeader(int)             {}
