package front_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"golang.org/x/crypto/ssh"
)

func selfSigned(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "example.com"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(365 * 24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kd, _ := x509.MarshalPKCS8PrivateKey(k)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kd}))
}

// TestIAMCredentialsAndEntities drives the rest of IAM's control plane
// through the SDK: signing certificates, SSH keys, service-specific
// credentials, server certificates, SAML providers, service-linked roles,
// the credential report, and profile and MFA device tags.
func TestIAMCredentialsAndEntities(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	must := mustOK(t)
	wantCode := func(what string, err error, code string) {
		t.Helper()
		if apiCode(err) != code {
			t.Fatalf("%s: got %v, want %s", what, err, code)
		}
	}
	_, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("kai")})
	must("CreateUser", err)

	// Signing certificates.
	cert, key := selfSigned(t)
	up, err := c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("kai"), CertificateBody: aws.String(cert)})
	must("UploadSigningCertificate", err)
	if up.Certificate.Status != "Active" || len(*up.Certificate.CertificateId) < 24 || *up.Certificate.UserName != "kai" {
		t.Fatalf("certificate %+v", up.Certificate)
	}
	_, err = c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("kai"), CertificateBody: aws.String(cert)})
	wantCode("duplicate certificate", err, "DuplicateCertificate")
	_, err = c.UploadSigningCertificate(ctx, &iam.UploadSigningCertificateInput{UserName: aws.String("kai"), CertificateBody: aws.String("not a certificate")})
	wantCode("malformed certificate", err, "MalformedCertificate")
	_, err = c.UpdateSigningCertificate(ctx, &iam.UpdateSigningCertificateInput{UserName: aws.String("kai"), CertificateId: up.Certificate.CertificateId, Status: "Inactive"})
	must("UpdateSigningCertificate", err)
	lc, err := c.ListSigningCertificates(ctx, &iam.ListSigningCertificatesInput{UserName: aws.String("kai")})
	must("ListSigningCertificates", err)
	if len(lc.Certificates) != 1 || lc.Certificates[0].Status != "Inactive" {
		t.Fatalf("certificates %+v", lc.Certificates)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("kai")})
	wantCode("delete a user with a certificate", err, "DeleteConflict")
	_, err = c.DeleteSigningCertificate(ctx, &iam.DeleteSigningCertificateInput{UserName: aws.String("kai"), CertificateId: up.Certificate.CertificateId})
	must("DeleteSigningCertificate", err)

	// SSH public keys.
	rk, _ := rsa.GenerateKey(rand.Reader, 2048)
	rpub, _ := ssh.NewPublicKey(&rk.PublicKey)
	line := strings.TrimSpace(string(ssh.MarshalAuthorizedKey(rpub)))
	sk, err := c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("kai"), SSHPublicKeyBody: aws.String(line)})
	must("UploadSSHPublicKey", err)
	if !strings.HasPrefix(*sk.SSHPublicKey.SSHPublicKeyId, "APKA") || len(strings.Split(*sk.SSHPublicKey.Fingerprint, ":")) != 16 {
		t.Fatalf("key %+v", sk.SSHPublicKey)
	}
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("kai"), SSHPublicKeyBody: aws.String(line)})
	wantCode("duplicate key", err, "DuplicateSSHPublicKey")
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	spub, _ := ssh.NewPublicKey(&small.PublicKey)
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("kai"), SSHPublicKeyBody: aws.String(string(ssh.MarshalAuthorizedKey(spub)))})
	wantCode("1024-bit RSA", err, "InvalidPublicKey")
	epub, _, _ := ed25519.GenerateKey(rand.Reader)
	ek, _ := ssh.NewPublicKey(epub)
	_, err = c.UploadSSHPublicKey(ctx, &iam.UploadSSHPublicKeyInput{UserName: aws.String("kai"), SSHPublicKeyBody: aws.String(string(ssh.MarshalAuthorizedKey(ek)))})
	must("ed25519 key", err)
	gk, err := c.GetSSHPublicKey(ctx, &iam.GetSSHPublicKeyInput{UserName: aws.String("kai"), SSHPublicKeyId: sk.SSHPublicKey.SSHPublicKeyId, Encoding: "PEM"})
	must("GetSSHPublicKey PEM", err)
	if !strings.HasPrefix(*gk.SSHPublicKey.SSHPublicKeyBody, "-----BEGIN PUBLIC KEY-----") {
		t.Fatalf("PEM body %q", *gk.SSHPublicKey.SSHPublicKeyBody)
	}
	lk, err := c.ListSSHPublicKeys(ctx, &iam.ListSSHPublicKeysInput{UserName: aws.String("kai")})
	must("ListSSHPublicKeys", err)
	if len(lk.SSHPublicKeys) != 2 {
		t.Fatalf("keys %+v", lk.SSHPublicKeys)
	}
	for _, k := range lk.SSHPublicKeys {
		_, err = c.DeleteSSHPublicKey(ctx, &iam.DeleteSSHPublicKeyInput{UserName: aws.String("kai"), SSHPublicKeyId: k.SSHPublicKeyId})
		must("DeleteSSHPublicKey", err)
	}

	// Service-specific credentials.
	sc, err := c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("kai"), ServiceName: aws.String("codecommit.amazonaws.com")})
	must("CreateServiceSpecificCredential", err)
	cred := sc.ServiceSpecificCredential
	if *cred.ServiceUserName == "" || len(*cred.ServicePassword) < 20 || !strings.HasPrefix(*cred.ServiceSpecificCredentialId, "ACCA") {
		t.Fatalf("credential %+v", cred)
	}
	_, err = c.CreateServiceSpecificCredential(ctx, &iam.CreateServiceSpecificCredentialInput{UserName: aws.String("kai"), ServiceName: aws.String("s3.amazonaws.com")})
	wantCode("unsupported service", err, "NotSupportedService")
	reset, err := c.ResetServiceSpecificCredential(ctx, &iam.ResetServiceSpecificCredentialInput{UserName: aws.String("kai"), ServiceSpecificCredentialId: cred.ServiceSpecificCredentialId})
	must("ResetServiceSpecificCredential", err)
	if *reset.ServiceSpecificCredential.ServicePassword == *cred.ServicePassword {
		t.Fatal("reset kept the password")
	}
	ls, err := c.ListServiceSpecificCredentials(ctx, &iam.ListServiceSpecificCredentialsInput{UserName: aws.String("kai")})
	must("ListServiceSpecificCredentials", err)
	if len(ls.ServiceSpecificCredentials) != 1 {
		t.Fatalf("credentials %+v", ls.ServiceSpecificCredentials)
	}
	_, err = c.DeleteServiceSpecificCredential(ctx, &iam.DeleteServiceSpecificCredentialInput{UserName: aws.String("kai"), ServiceSpecificCredentialId: cred.ServiceSpecificCredentialId})
	must("DeleteServiceSpecificCredential", err)

	// Server certificates.
	_, otherKey := selfSigned(t)
	_, err = c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"), CertificateBody: aws.String(cert), PrivateKey: aws.String(otherKey)})
	wantCode("another certificate's key", err, "MalformedCertificate")
	us, err := c.UploadServerCertificate(ctx, &iam.UploadServerCertificateInput{ServerCertificateName: aws.String("web"), Path: aws.String("/cloudfront/"), CertificateBody: aws.String(cert), PrivateKey: aws.String(key),
		Tags: []iamtypes.Tag{{Key: aws.String("env"), Value: aws.String("dev")}}})
	must("UploadServerCertificate", err)
	if !strings.HasSuffix(*us.ServerCertificateMetadata.Arn, ":server-certificate/cloudfront/web") || us.ServerCertificateMetadata.Expiration == nil {
		t.Fatalf("metadata %+v", us.ServerCertificateMetadata)
	}
	_, err = c.UpdateServerCertificate(ctx, &iam.UpdateServerCertificateInput{ServerCertificateName: aws.String("web"), NewServerCertificateName: aws.String("site")})
	must("UpdateServerCertificate", err)
	gs, err := c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("site")})
	must("GetServerCertificate", err)
	if !strings.Contains(*gs.ServerCertificate.CertificateBody, "BEGIN CERTIFICATE") || len(gs.ServerCertificate.Tags) != 1 {
		t.Fatalf("server certificate %+v", gs.ServerCertificate)
	}
	_, err = c.GetServerCertificate(ctx, &iam.GetServerCertificateInput{ServerCertificateName: aws.String("web")})
	wantCode("renamed away", err, "NoSuchEntity")
	_, err = c.DeleteServerCertificate(ctx, &iam.DeleteServerCertificateInput{ServerCertificateName: aws.String("site")})
	must("DeleteServerCertificate", err)

	// SAML providers.
	meta := `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example.com" validUntil="2031-01-01T00:00:00Z"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">` + strings.Repeat(" ", 1000) + `</md:IDPSSODescriptor></md:EntityDescriptor>`
	sp, err := c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("corp"), SAMLMetadataDocument: aws.String(meta)})
	must("CreateSAMLProvider", err)
	gp, err := c.GetSAMLProvider(ctx, &iam.GetSAMLProviderInput{SAMLProviderArn: sp.SAMLProviderArn})
	must("GetSAMLProvider", err)
	if gp.ValidUntil.Year() != 2031 || *gp.SAMLMetadataDocument != meta {
		t.Fatalf("provider %+v", gp)
	}
	_, err = c.CreateSAMLProvider(ctx, &iam.CreateSAMLProviderInput{Name: aws.String("bad"), SAMLMetadataDocument: aws.String(strings.Repeat("x", 1000))})
	wantCode("not metadata", err, "InvalidInput")
	_, err = c.TagSAMLProvider(ctx, &iam.TagSAMLProviderInput{SAMLProviderArn: sp.SAMLProviderArn, Tags: []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("b")}}})
	must("TagSAMLProvider", err)
	if lt, err := c.ListSAMLProviderTags(ctx, &iam.ListSAMLProviderTagsInput{SAMLProviderArn: sp.SAMLProviderArn}); err != nil || len(lt.Tags) != 1 {
		t.Fatalf("ListSAMLProviderTags %v %v", lt, err)
	}
	if lp, err := c.ListSAMLProviders(ctx, &iam.ListSAMLProvidersInput{}); err != nil || len(lp.SAMLProviderList) != 1 {
		t.Fatalf("ListSAMLProviders %v %v", lp, err)
	}
	_, err = sts.NewFromConfig(g.cfg(aws.AnonymousCredentials{})).AssumeRoleWithSAML(ctx, &sts.AssumeRoleWithSAMLInput{RoleArn: aws.String("arn:aws:iam::000000000000:role/x"),
		PrincipalArn: sp.SAMLProviderArn, SAMLAssertion: aws.String(strings.Repeat("A", 8))})
	wantCode("AssumeRoleWithSAML", err, "InvalidIdentityToken")
	_, err = c.DeleteSAMLProvider(ctx, &iam.DeleteSAMLProviderInput{SAMLProviderArn: sp.SAMLProviderArn})
	must("DeleteSAMLProvider", err)

	// Service-linked roles.
	slr, err := c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com"), Description: aws.String("eb")})
	must("CreateServiceLinkedRole", err)
	if *slr.Role.RoleName != "AWSServiceRoleForElasticBeanstalk" || *slr.Role.Path != "/aws-service-role/elasticbeanstalk.amazonaws.com/" {
		t.Fatalf("role %+v", slr.Role)
	}
	_, err = c.CreateServiceLinkedRole(ctx, &iam.CreateServiceLinkedRoleInput{AWSServiceName: aws.String("elasticbeanstalk.amazonaws.com")})
	wantCode("a second one", err, "InvalidInput")
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: slr.Role.RoleName})
	wantCode("DeleteRole of a service-linked role", err, "UnmodifiableEntity")
	del, err := c.DeleteServiceLinkedRole(ctx, &iam.DeleteServiceLinkedRoleInput{RoleName: slr.Role.RoleName})
	must("DeleteServiceLinkedRole", err)
	st, err := c.GetServiceLinkedRoleDeletionStatus(ctx, &iam.GetServiceLinkedRoleDeletionStatusInput{DeletionTaskId: del.DeletionTaskId})
	must("GetServiceLinkedRoleDeletionStatus", err)
	if st.Status != "SUCCEEDED" || !strings.HasPrefix(*del.DeletionTaskId, "task/aws-service-role/elasticbeanstalk.amazonaws.com/AWSServiceRoleForElasticBeanstalk/") {
		t.Fatalf("deletion %s %s", *del.DeletionTaskId, st.Status)
	}

	// Roles in instance profiles cannot be deleted; descriptions; tags.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	_, err = c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("ec2"), AssumeRolePolicyDocument: aws.String(trust)})
	must("CreateRole", err)
	_, err = c.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("ip")})
	must("CreateInstanceProfile", err)
	_, err = c.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("ip"), RoleName: aws.String("ec2")})
	must("AddRoleToInstanceProfile", err)
	_, err = c.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("ec2")})
	wantCode("DeleteRole in a profile", err, "DeleteConflict")
	ud, err := c.UpdateRoleDescription(ctx, &iam.UpdateRoleDescriptionInput{RoleName: aws.String("ec2"), Description: aws.String("for EC2")})
	must("UpdateRoleDescription", err)
	if *ud.Role.Description != "for EC2" {
		t.Fatalf("description %v", ud.Role.Description)
	}
	_, err = c.TagInstanceProfile(ctx, &iam.TagInstanceProfileInput{InstanceProfileName: aws.String("ip"), Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	must("TagInstanceProfile", err)
	if lt, err := c.ListInstanceProfileTags(ctx, &iam.ListInstanceProfileTagsInput{InstanceProfileName: aws.String("ip")}); err != nil || len(lt.Tags) != 1 {
		t.Fatalf("ListInstanceProfileTags %v %v", lt, err)
	}
	_, err = c.UntagInstanceProfile(ctx, &iam.UntagInstanceProfileInput{InstanceProfileName: aws.String("ip"), TagKeys: []string{"k"}})
	must("UntagInstanceProfile", err)
	vm, err := c.CreateVirtualMFADevice(ctx, &iam.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String("kai-phone")})
	must("CreateVirtualMFADevice", err)
	_, err = c.TagMFADevice(ctx, &iam.TagMFADeviceInput{SerialNumber: vm.VirtualMFADevice.SerialNumber, Tags: []iamtypes.Tag{{Key: aws.String("k"), Value: aws.String("v")}}})
	must("TagMFADevice", err)
	if lt, err := c.ListMFADeviceTags(ctx, &iam.ListMFADeviceTagsInput{SerialNumber: vm.VirtualMFADevice.SerialNumber}); err != nil || len(lt.Tags) != 1 {
		t.Fatalf("ListMFADeviceTags %v %v", lt, err)
	}
	if gm, err := c.GetMFADevice(ctx, &iam.GetMFADeviceInput{SerialNumber: vm.VirtualMFADevice.SerialNumber}); err != nil || *gm.SerialNumber != *vm.VirtualMFADevice.SerialNumber {
		t.Fatalf("GetMFADevice %v %v", gm, err)
	}

	// The credential report.
	_, err = c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	wantCode("no report yet", err, "ReportNotPresent")
	gen, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	must("GenerateCredentialReport", err)
	if gen.State != "STARTED" {
		t.Fatalf("first state %s", gen.State)
	}
	if gen, err = c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); err != nil || gen.State != "COMPLETE" {
		t.Fatalf("second state %v %v", gen, err)
	}
	rep, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	must("GetCredentialReport", err)
	rows, err := csv.NewReader(strings.NewReader(string(rep.Content))).ReadAll()
	if err != nil || len(rows) != 3 || rows[0][0] != "user" || rows[1][0] != "<root_account>" || rows[2][0] != "kai" || len(rows[2]) != len(rows[0]) || rep.ReportFormat != "text/csv" {
		t.Fatalf("report %q %v", rep.Content, err)
	}
	_, err = c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("kai")})
	must("DeleteUser", err)
}

// TestRoleLastUsed: GetRole reports an empty RoleLastUsed until the role
// is assumed, then when and in which region.
func TestRoleLastUsed(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("used"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	r, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("used")})
	if err != nil || r.Role.RoleLastUsed == nil || r.Role.RoleLastUsed.LastUsedDate != nil {
		t.Fatalf("before: %+v %v", r, err)
	}
	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("u")})
	if err != nil {
		t.Fatal(err)
	}
	c.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("u"), PolicyName: aws.String("p"), PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)})
	k, _ := c.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("u")})
	user := g.cfg(credentials.NewStaticCredentialsProvider(*k.AccessKey.AccessKeyId, *k.AccessKey.SecretAccessKey, ""))
	if _, err := sts.NewFromConfig(user).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: r.Role.Arn, RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatal(err)
	}
	r, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("used")})
	if err != nil || r.Role.RoleLastUsed.LastUsedDate == nil || aws.ToString(r.Role.RoleLastUsed.Region) != "us-east-1" {
		t.Fatalf("after: %+v %v", r.Role.RoleLastUsed, err)
	}
}

// TestIAMTagRows: every entity's Tag, Untag and List…Tags rows act on the
// entity the request names, and answer for one that is not there.
func TestIAMTagRows(t *testing.T) {
	g := newGraph(t)
	ctx := context.Background()
	c := iam.NewFromConfig(g.cfg(g.creds))
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := c.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("tagged"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	oidc, err := c.CreateOpenIDConnectProvider(ctx, &iam.CreateOpenIDConnectProviderInput{Url: aws.String("https://issuer.example.com"), ClientIDList: []string{"a"}, ThumbprintList: []string{strings.Repeat("a", 40)}})
	if err != nil {
		t.Fatal(err)
	}
	two := []iamtypes.Tag{{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("tagged"), Tags: two}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagRole(ctx, &iam.UntagRoleInput{RoleName: aws.String("tagged"), TagKeys: []string{"a"}}); err != nil {
		t.Fatal(err)
	}
	rt, err := c.ListRoleTags(ctx, &iam.ListRoleTagsInput{RoleName: aws.String("tagged")})
	if err != nil || len(rt.Tags) != 1 || *rt.Tags[0].Key != "b" {
		t.Fatalf("role tags %+v %v", rt, err)
	}
	if _, err := c.TagOpenIDConnectProvider(ctx, &iam.TagOpenIDConnectProviderInput{OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn, Tags: two}); err != nil {
		t.Fatal(err)
	}
	ot, err := c.ListOpenIDConnectProviderTags(ctx, &iam.ListOpenIDConnectProviderTagsInput{OpenIDConnectProviderArn: oidc.OpenIDConnectProviderArn})
	if err != nil || len(ot.Tags) != 2 {
		t.Fatalf("provider tags %+v %v", ot, err)
	}
	if _, err := c.TagRole(ctx, &iam.TagRoleInput{RoleName: aws.String("nope"), Tags: two}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("tag a missing role: %v", err)
	}
	if _, err := c.ListUserTags(ctx, &iam.ListUserTagsInput{UserName: aws.String("nope")}); apiCode(err) != "NoSuchEntity" {
		t.Fatalf("tags of a missing user: %v", err)
	}
}
