package s3

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Access control lists and object ownership.
//
// A bucket's ownership setting (ConfigOwnership) says whether ACLs count:
// BucketOwnerEnforced — S3's default for new buckets, and sekisho's —
// disables them (only a grant of full control to the bucket owner may be
// set, and the bucket owner owns every object); BucketOwnerPreferred and
// ObjectWriter enable them. A bucket's ACL is the configuration document
// ConfigACL, an object's its record's ACL; both are JSON ACL values, and
// absent means private (the owner has FULL_CONTROL).
//
// Grants are honoured in authorization as a resource-based allow: an
// explicit Deny in any policy still wins, and Block Public Access's
// IgnorePublicAcls drops grants to AllUsers and AuthenticatedUsers.

// Configuration documents.
const (
	ConfigOwnership = "ownership"
	ConfigACL       = "acl"
)

// Ownership settings.
const (
	OwnerEnforced  = "BucketOwnerEnforced"
	OwnerPreferred = "BucketOwnerPreferred"
	ObjectWriter   = "ObjectWriter"
)

// Grantee groups.
const (
	AllUsers           = "http://acs.amazonaws.com/groups/global/AllUsers"
	AuthenticatedUsers = "http://acs.amazonaws.com/groups/global/AuthenticatedUsers"
	LogDelivery        = "http://acs.amazonaws.com/groups/s3/LogDelivery"
)

// Permissions.
const (
	PermRead        = "READ"
	PermWrite       = "WRITE"
	PermReadACP     = "READ_ACP"
	PermWriteACP    = "WRITE_ACP"
	PermFullControl = "FULL_CONTROL"
)

// Grant gives one grantee one permission. Exactly one of ID (a canonical
// user: an account id here) and URI (a group) is set.
type Grant struct {
	ID         string `json:",omitempty"`
	URI        string `json:",omitempty"`
	Permission string
}

// ACL is an access control list.
type ACL struct {
	Owner  string // the owner's canonical id (account id)
	Grants []Grant
}

// Public reports whether an ACL grants anything to AllUsers or
// AuthenticatedUsers.
func (a ACL) Public() bool {
	for _, g := range a.Grants {
		if g.URI == AllUsers || g.URI == AuthenticatedUsers {
			return true
		}
	}
	return false
}

// ownerOnly reports whether an ACL grants nothing but full control to
// the owner — the only ACL a bucket with BucketOwnerEnforced accepts.
func (a ACL) ownerOnly(owner string) bool {
	for _, g := range a.Grants {
		if g.ID != owner || g.Permission != PermFullControl {
			return false
		}
	}
	return true
}

// ACLRequest is the ACL a request asks for: a canned ACL or explicit
// grants (x-amz-grant-* headers or an AccessControlPolicy document).
type ACLRequest struct {
	Canned string
	Grants []Grant
	// Explicit is true for grants given in full (an AccessControlPolicy
	// document): the owner's full control is not added.
	Explicit bool
}

// resolve turns a request into the ACL of a resource owned by owner in a
// bucket owned by bucketOwner.
func (r *ACLRequest) resolve(owner, bucketOwner string) (*ACL, error) {
	if r == nil {
		return nil, nil
	}
	if r.Grants == nil && !r.Explicit {
		a, err := CannedACL(r.Canned, owner, bucketOwner)
		return &a, err
	}
	a := &ACL{Owner: owner}
	if !r.Explicit {
		a.Grants = append(a.Grants, Grant{ID: owner, Permission: PermFullControl})
	}
	for _, g := range r.Grants {
		if !ValidPermission(g.Permission) {
			return nil, errMalformedXML()
		}
		if g.ID == "" && g.URI != AllUsers && g.URI != AuthenticatedUsers && g.URI != LogDelivery {
			return nil, awserr.New(400, "InvalidArgument", "Invalid group uri").With("ArgumentName", "uri").With("ArgumentValue", g.URI)
		}
		a.Grants = append(a.Grants, g)
	}
	return a, nil
}

// CannedACL returns the ACL a canned ACL name stands for, given the
// owner of the resource and the bucket's owner; an unknown name is
// InvalidArgument.
func CannedACL(name, owner, bucketOwner string) (ACL, error) {
	a := ACL{Owner: owner, Grants: []Grant{{ID: owner, Permission: PermFullControl}}}
	add := func(g Grant) { a.Grants = append(a.Grants, g) }
	switch name {
	case "", "private", "aws-exec-read":
	case "public-read":
		add(Grant{URI: AllUsers, Permission: PermRead})
	case "public-read-write":
		add(Grant{URI: AllUsers, Permission: PermRead})
		add(Grant{URI: AllUsers, Permission: PermWrite})
	case "authenticated-read":
		add(Grant{URI: AuthenticatedUsers, Permission: PermRead})
	case "bucket-owner-read":
		if bucketOwner != owner {
			add(Grant{ID: bucketOwner, Permission: PermRead})
		}
	case "bucket-owner-full-control":
		if bucketOwner != owner {
			add(Grant{ID: bucketOwner, Permission: PermFullControl})
		}
	case "log-delivery-write":
		add(Grant{URI: LogDelivery, Permission: PermWrite})
		add(Grant{URI: LogDelivery, Permission: PermReadACP})
	default:
		return a, awserr.New(400, "InvalidArgument", "The canned ACL you provided is not valid.").With("ArgumentName", "x-amz-acl").With("ArgumentValue", name)
	}
	return a, nil
}

// ValidPermission reports whether p is an ACL permission.
func ValidPermission(p string) bool {
	switch p {
	case PermRead, PermWrite, PermReadACP, PermWriteACP, PermFullControl:
		return true
	}
	return false
}

func ownership(b store.Bucket) string { return b.Config[ConfigOwnership] }

// ACLsEnabled reports whether a bucket's ACLs (and its objects') count.
func ACLsEnabled(b store.Bucket) bool { return ownership(b) != OwnerEnforced }

func errACLNotSupported() error {
	return awserr.New(400, "AccessControlListNotSupported", "The bucket does not allow ACLs")
}

// checkACL decides whether acl may be set on bucket b (or one of its
// objects): with BucketOwnerEnforced only full control for the bucket
// owner; under BlockPublicAcls nothing public.
func checkACL(b store.Bucket, acl ACL) error {
	if !ACLsEnabled(b) && !acl.ownerOnly(b.Owner) {
		return errACLNotSupported()
	}
	if acl.Public() && PublicAccessBlockOf(&b).BlockPublicAcls {
		return awserr.New(403, "AccessDenied", "Access Denied")
	}
	return nil
}

func decodeACL(v string) (ACL, error) {
	var a ACL
	err := json.Unmarshal([]byte(v), &a)
	return a, err
}

func encodeACL(a ACL) string {
	b, _ := json.Marshal(a)
	return string(b)
}

// BucketACL returns a bucket's ACL.
func (s *Service) BucketACL(ctx context.Context, bucket string) (ACL, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return ACL{}, err
	}
	return bucketACL(b)
}

// BucketACLOf returns the ACL kept on a bucket record.
func BucketACLOf(b store.Bucket) (ACL, error) { return bucketACL(b) }

// ObjectACLForAuthz returns the ACL of a version ("" the current one) for
// authorization: private if there is no such version; any other error
// must deny.
func (s *Service) ObjectACLForAuthz(ctx context.Context, b store.Bucket, key, versionID string) (ACL, error) {
	if checkVersionID(versionID) != nil {
		return ACL{}, nil
	}
	o, err := s.lookup(ctx, b.Name, key, versionID)
	if errors.Is(err, store.ErrNotFound) {
		return ACL{}, nil
	}
	if err != nil {
		return ACL{}, err
	}
	return objectACL(b, o)
}

func bucketACL(b store.Bucket) (ACL, error) {
	v := b.Config[ConfigACL]
	if v == "" {
		return CannedACL("private", b.Owner, b.Owner)
	}
	a, err := decodeACL(v)
	if err != nil {
		return a, fmt.Errorf("s3: bucket %s: acl: %w", b.Name, err)
	}
	return a, nil
}

// PutBucketACL replaces a bucket's ACL.
func (s *Service) PutBucketACL(ctx context.Context, bucket string, req *ACLRequest) error {
	return s.setConfigFn(ctx, bucket, func(b *store.Bucket) error {
		acl, err := req.resolve(b.Owner, b.Owner)
		if err != nil {
			return err
		}
		if err := checkACL(*b, *acl); err != nil {
			return err
		}
		if acl.ownerOnly(b.Owner) {
			delete(b.Config, ConfigACL)
		} else {
			b.Config[ConfigACL] = encodeACL(*acl)
		}
		return nil
	})
}

// ObjectACL returns a version's ACL ("" the current one).
func (s *Service) ObjectACL(ctx context.Context, bucket, key, versionID string) (ACL, string, error) {
	o, err := s.version(ctx, bucket, key, versionID)
	if err != nil {
		return ACL{}, "", err
	}
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return ACL{}, "", err
	}
	a, err := objectACL(b, o)
	return a, ReportedVersion(b, o), err
}

func objectACL(b store.Bucket, o store.Object) (ACL, error) {
	if o.ACL == "" {
		return CannedACL("private", b.Owner, b.Owner)
	}
	return decodeACL(o.ACL)
}

// PutObjectACL replaces a version's ACL.
func (s *Service) PutObjectACL(ctx context.Context, bucket, key, versionID string, req *ACLRequest) (string, error) {
	if err := checkVersionID(versionID); err != nil {
		return "", err
	}
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	value, err := aclForWrite(b, req)
	if err != nil {
		return "", err
	}
	var v store.Object
	err = s.Meta.UpdateVersion(ctx, bucket, key, versionID, func(o *store.Object) error {
		if o.DeleteMarker {
			return store.ErrNotFound
		}
		o.ACL = value
		v = *o
		return nil
	})
	if err != nil {
		if versionID == "" {
			if _, herr := s.HeadObject(ctx, bucket, key); herr != nil {
				return "", herr
			}
		}
		return "", s.versionErr(ctx, err, bucket, key, versionID)
	}
	return ReportedVersion(b, v), nil
}

// aclForWrite turns the ACL a write asks for into the record's value
// ("" for the default, private), after checking the bucket accepts it.
func aclForWrite(b store.Bucket, req *ACLRequest) (string, error) {
	acl, err := req.resolve(b.Owner, b.Owner)
	if err != nil || acl == nil {
		return "", err
	}
	if err := checkACL(b, *acl); err != nil {
		return "", err
	}
	if acl.ownerOnly(b.Owner) {
		return "", nil
	}
	return encodeACL(*acl), nil
}

// OwnershipControls returns a bucket's ownership setting, or
// OwnershipControlsNotFoundError.
func (s *Service) OwnershipControls(ctx context.Context, bucket string) (string, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	if o := ownership(b); o != "" {
		return o, nil
	}
	return "", awserr.New(404, "OwnershipControlsNotFoundError", "The bucket ownership controls were not found").With("BucketName", bucket)
}

// PutOwnershipControls sets a bucket's ownership ("" removes it, leaving
// ACLs enabled as for ObjectWriter). Enforcing ownership needs the
// bucket's ACL to grant nothing beyond the owner.
func (s *Service) PutOwnershipControls(ctx context.Context, bucket, setting string) error {
	switch setting {
	case "", OwnerEnforced, OwnerPreferred, ObjectWriter:
	default:
		return errMalformedXML()
	}
	return s.setConfigFn(ctx, bucket, func(b *store.Bucket) error {
		if setting == OwnerEnforced {
			a, err := bucketACL(*b)
			if err != nil {
				return err
			}
			if !a.ownerOnly(b.Owner) {
				return awserr.New(400, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
			}
		}
		if setting == "" {
			delete(b.Config, ConfigOwnership)
		} else {
			b.Config[ConfigOwnership] = setting
		}
		return nil
	})
}

// WithOwnership creates a bucket with an ownership setting ("" for
// BucketOwnerEnforced) and ACL (CreateBucket's x-amz-object-ownership and
// x-amz-acl or grants), after CheckNewBucket accepted them.
func WithOwnership(setting string, req *ACLRequest) BucketOption {
	return func(b *store.Bucket) {
		if b.Config == nil {
			b.Config = map[string]string{}
		}
		if setting != "" {
			b.Config[ConfigOwnership] = setting
		}
		if acl, err := req.resolve(b.Owner, b.Owner); err == nil && acl != nil && !acl.ownerOnly(b.Owner) {
			b.Config[ConfigACL] = encodeACL(*acl)
		}
	}
}

// CheckNewBucket checks the ownership and ACL a CreateBucket asks for.
func CheckNewBucket(setting string, req *ACLRequest, owner string) error {
	switch setting {
	case "", OwnerEnforced, OwnerPreferred, ObjectWriter:
	default:
		return awserr.New(400, "InvalidArgument", "Invalid x-amz-object-ownership header").With("ArgumentName", "x-amz-object-ownership").With("ArgumentValue", setting)
	}
	acl, err := req.resolve(owner, owner)
	if err != nil {
		return err
	}
	if acl != nil && (setting == "" || setting == OwnerEnforced) && !acl.ownerOnly(owner) {
		return awserr.New(400, "InvalidBucketAclWithObjectOwnership", "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting")
	}
	return nil
}

// aclActions are the actions each permission grants, on a bucket and on
// an object; FULL_CONTROL grants all of its level's.
var aclActions = map[bool]map[string][]string{
	true: { // bucket
		PermRead:     {"s3:ListBucket", "s3:ListBucketVersions", "s3:ListBucketMultipartUploads"},
		PermWrite:    {"s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"},
		PermReadACP:  {"s3:GetBucketAcl"},
		PermWriteACP: {"s3:PutBucketAcl"},
	},
	false: { // object
		PermRead:     {"s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAttributes", "s3:GetObjectVersionAttributes", "s3:GetObjectTorrent"},
		PermReadACP:  {"s3:GetObjectAcl", "s3:GetObjectVersionAcl"},
		PermWriteACP: {"s3:PutObjectAcl", "s3:PutObjectVersionAcl"},
	},
}

// permits reports whether permission p grants action at its level.
func permits(p, action string, bucketLevel bool) bool {
	for perm, acts := range aclActions[bucketLevel] {
		if p != perm && p != PermFullControl {
			continue
		}
		for _, a := range acts {
			if a == action {
				return true
			}
		}
	}
	return false
}

// Allows reports whether an ACL grants action to a caller: account is
// the caller's account ("" for an anonymous caller); ignorePublic is
// Block Public Access's IgnorePublicAcls.
func (a ACL) Allows(action, account string, bucketLevel, ignorePublic bool) bool {
	for _, g := range a.Grants {
		switch {
		case g.URI == AllUsers:
			if ignorePublic {
				continue
			}
		case g.URI == AuthenticatedUsers:
			if ignorePublic || account == "" {
				continue
			}
		case g.ID != "":
			if g.ID != account || account == "" {
				continue
			}
		default:
			continue
		}
		if permits(g.Permission, action, bucketLevel) {
			return true
		}
	}
	return false
}
