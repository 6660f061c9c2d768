package front_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func anonGet(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestS3ACL: ownership controls decide whether ACLs count; when they do,
// canned and explicit grants are kept, read back and honoured for
// anonymous callers, under Block Public Access and below an explicit
// Deny.
func TestS3ACL(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	b := aws.String("acls")
	mustBucket(t, c, "acls")
	oc, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b})
	if err != nil || oc.OwnershipControls.Rules[0].ObjectOwnership != types.ObjectOwnershipBucketOwnerEnforced {
		t.Fatalf("new bucket ownership: %+v %v", oc, err)
	}
	acl, err := c.GetBucketAcl(ctx, &s3.GetBucketAclInput{Bucket: b})
	if err != nil || len(acl.Grants) != 1 || acl.Grants[0].Permission != types.PermissionFullControl || *acl.Owner.ID != "000000000000" {
		t.Fatalf("new bucket ACL: %+v %v", acl, err)
	}
	put := func(key string, acl types.ObjectCannedACL) error {
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: b, Key: aws.String(key), Body: strings.NewReader(key), ACL: acl})
		return err
	}
	if err := put("pub", types.ObjectCannedACLPublicRead); code(err) != "AccessControlListNotSupported" {
		t.Errorf("public ACL with BucketOwnerEnforced: %v", err)
	}
	if err := put("own", types.ObjectCannedACLBucketOwnerFullControl); err != nil {
		t.Errorf("bucket-owner-full-control with BucketOwnerEnforced: %v", err)
	}
	if err := put("bad", "public-everything"); code(err) != "InvalidArgument" {
		t.Errorf("unknown canned ACL: %v", err)
	}
	// ACLs on.
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &types.OwnershipControls{
		Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipObjectWriter}}}}); err != nil {
		t.Fatal(err)
	}
	if err := put("pub", types.ObjectCannedACLPublicRead); err != nil {
		t.Fatal(err)
	}
	if err := put("priv", types.ObjectCannedACLPrivate); err != nil {
		t.Fatal(err)
	}
	if s := anonGet(t, srv.URL+"/acls/pub"); s != 200 {
		t.Errorf("anonymous GET of a public-read object: %d", s)
	}
	if s := anonGet(t, srv.URL+"/acls/priv"); s != 403 {
		t.Errorf("anonymous GET of a private object: %d", s)
	}
	if s := anonGet(t, srv.URL+"/acls"); s != 403 {
		t.Errorf("anonymous listing of a private bucket: %d", s)
	}
	oa, err := c.GetObjectAcl(ctx, &s3.GetObjectAclInput{Bucket: b, Key: aws.String("pub")})
	if err != nil || len(oa.Grants) != 2 || oa.Grants[1].Grantee.Type != types.TypeGroup || !strings.HasSuffix(*oa.Grants[1].Grantee.URI, "/AllUsers") || oa.Grants[1].Permission != types.PermissionRead {
		t.Fatalf("public-read object ACL: %+v %v", oa, err)
	}
	// An AccessControlPolicy document makes priv public; grant headers
	// make the bucket listable.
	if _, err := c.PutObjectAcl(ctx, &s3.PutObjectAclInput{Bucket: b, Key: aws.String("priv"), AccessControlPolicy: &types.AccessControlPolicy{
		Owner: &types.Owner{ID: aws.String("000000000000")},
		Grants: []types.Grant{
			{Grantee: &types.Grantee{Type: types.TypeCanonicalUser, ID: aws.String("000000000000")}, Permission: types.PermissionFullControl},
			{Grantee: &types.Grantee{Type: types.TypeGroup, URI: aws.String("http://acs.amazonaws.com/groups/global/AllUsers")}, Permission: types.PermissionRead},
		}}}); err != nil {
		t.Fatal(err)
	}
	if s := anonGet(t, srv.URL+"/acls/priv"); s != 200 {
		t.Errorf("anonymous GET after PutObjectAcl: %d", s)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, GrantRead: aws.String(`uri="http://acs.amazonaws.com/groups/global/AllUsers"`)}); err != nil {
		t.Fatal(err)
	}
	if s := anonGet(t, srv.URL+"/acls"); s != 200 {
		t.Errorf("anonymous listing of a public-read bucket: %d", s)
	}
	if _, err := c.PutBucketAcl(ctx, &s3.PutBucketAclInput{Bucket: b, ACL: types.BucketCannedACLPrivate, GrantRead: aws.String(`id="000000000000"`)}); code(err) != "InvalidRequest" {
		t.Errorf("canned ACL and grants together: %v", err)
	}
	// Enforcing ownership needs a private bucket ACL.
	if _, err := c.PutBucketOwnershipControls(ctx, &s3.PutBucketOwnershipControlsInput{Bucket: b, OwnershipControls: &types.OwnershipControls{
		Rules: []types.OwnershipControlsRule{{ObjectOwnership: types.ObjectOwnershipBucketOwnerEnforced}}}}); code(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("enforcing with a public bucket ACL: %v", err)
	}
	// An explicit Deny beats a grant.
	deny := `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::acls/pub"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: b, Policy: aws.String(deny)}); err != nil {
		t.Fatal(err)
	}
	if s := anonGet(t, srv.URL+"/acls/pub"); s != 403 {
		t.Errorf("anonymous GET under an explicit Deny: %d", s)
	}
	c.DeleteBucketPolicy(ctx, &s3.DeleteBucketPolicyInput{Bucket: b})
	// Block Public Access.
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: b, PublicAccessBlockConfiguration: &types.PublicAccessBlockConfiguration{IgnorePublicAcls: aws.Bool(true), BlockPublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	if s := anonGet(t, srv.URL+"/acls/pub"); s != 403 {
		t.Errorf("anonymous GET with IgnorePublicAcls: %d", s)
	}
	if err := put("pub2", types.ObjectCannedACLPublicRead); code(err) != "AccessDenied" {
		t.Errorf("public ACL with BlockPublicAcls: %v", err)
	}
	// Removing the controls leaves ACLs on, and Get says there are none.
	if _, err := c.DeleteBucketOwnershipControls(ctx, &s3.DeleteBucketOwnershipControlsInput{Bucket: b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetBucketOwnershipControls(ctx, &s3.GetBucketOwnershipControlsInput{Bucket: b}); code(err) != "OwnershipControlsNotFoundError" {
		t.Errorf("after delete: %v", err)
	}
	// A bucket made with ACLs on and public-read.
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acls-open"), ObjectOwnership: types.ObjectOwnershipObjectWriter, ACL: types.BucketCannedACLPublicRead}); err != nil {
		t.Fatal(err)
	}
	if s := anonGet(t, srv.URL+"/acls-open"); s != 200 {
		t.Errorf("anonymous listing of a bucket made public-read: %d", s)
	}
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String("acls-bad"), ACL: types.BucketCannedACLPublicRead}); code(err) != "InvalidBucketAclWithObjectOwnership" {
		t.Errorf("public bucket ACL with the default ownership: %v", err)
	}
}
