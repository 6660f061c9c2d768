package front

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/sigv4"
)

// FuzzS3XMLBodies feeds arbitrary bytes to every S3 XML request decoder
// and to x-amz-tagging: each decodes or fails with an error, never panics.
func FuzzS3XMLBodies(f *testing.F) {
	for _, s := range []string{
		`<Delete><Quiet>true</Quiet><Object><Key>a</Key></Object></Delete>`,
		`<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>"x"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32></Part></CompleteMultipartUpload>`,
		`<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod><MaxAgeSeconds>3</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
		`<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>`,
		`<PublicAccessBlockConfiguration><BlockPublicAcls>true</BlockPublicAcls></PublicAccessBlockConfiguration>`,
		`<Delete><Object><Key>&#0;</Key></Object>`, "\x00<", "k=v&k=w", "a=%zz",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		targets := []any{&xmlCORS{}, &xmlTagging{}, &xmlPublicAccessBlock{}, &struct {
			Parts []struct {
				PartNumber int
				ETag       string
				xmlChecksums
			} `xml:"Part"`
		}{}}
		for _, v := range targets {
			q := &s3Request{apiCall: &apiCall{r: httptest.NewRequest("PUT", "/b", nil), res: &sigv4.Result{Body: io.NopCloser(bytes.NewReader(body))}}}
			decodeXML(q, false, v)
		}
		parseTagging(string(body))
	})
}

// FuzzS3ConfigBodies feeds arbitrary bytes to the decoders of the
// versioning, encryption, object lock, ACL and lifecycle documents, and
// through what turns them into the service's values: each decodes or
// fails with an error, never panics.
func FuzzS3ConfigBodies(f *testing.F) {
	for _, s := range []string{
		`<VersioningConfiguration><Status>Enabled</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>`,
		`<ServerSideEncryptionConfiguration><Rule><ApplyServerSideEncryptionByDefault><SSEAlgorithm>aws:kms</SSEAlgorithm><KMSMasterKeyID>alias/aws/s3</KMSMasterKeyID></ApplyServerSideEncryptionByDefault><BucketKeyEnabled>true</BucketKeyEnabled></Rule></ServerSideEncryptionConfiguration>`,
		`<ObjectLockConfiguration><ObjectLockEnabled>Enabled</ObjectLockEnabled><Rule><DefaultRetention><Mode>GOVERNANCE</Mode><Days>1</Days></DefaultRetention></Rule></ObjectLockConfiguration>`,
		`<Retention><Mode>COMPLIANCE</Mode><RetainUntilDate>2030-01-01T00:00:00Z</RetainUntilDate></Retention>`,
		`<LegalHold><Status>ON</Status></LegalHold>`,
		`<AccessControlPolicy><Owner><ID>1</ID></Owner><AccessControlList><Grant><Grantee xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Group"><URI>http://acs.amazonaws.com/groups/global/AllUsers</URI></Grantee><Permission>READ</Permission></Grant></AccessControlList></AccessControlPolicy>`,
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration><NoncurrentVersionExpiration><NoncurrentDays>2</NoncurrentDays></NoncurrentVersionExpiration><Transition><Date>2030-01-01T00:00:00Z</Date><StorageClass>GLACIER</StorageClass></Transition></Rule></LifecycleConfiguration>`,
		`<LifecycleConfiguration><Rule><Prefix></Prefix><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration><AbortIncompleteMultipartUpload><DaysAfterInitiation>-1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`,
		`<OwnershipControls><Rule><ObjectOwnership>ObjectWriter</ObjectOwnership></Rule></OwnershipControls>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := func() *s3Request {
			return &s3Request{apiCall: &apiCall{r: httptest.NewRequest("PUT", "/b", nil), res: &sigv4.Result{Body: io.NopCloser(bytes.NewReader(body))}}}
		}
		for _, v := range []any{&xmlVersioning{}, &xmlEncryption{}, &xmlLockConfig{}, &xmlRetention{}, &xmlLegalHold{}} {
			decodeXML(req(), false, v)
		}
		var lc xmlLifecycle
		if decodeXML(req(), false, &lc) == nil {
			for _, r := range lc.Rules {
				if rule, err := r.toRule(); err == nil {
					fromRule(rule)
				}
			}
		}
		aclPut(req())
		s := string(body)
		s3.ParseCustomerKey("AES256", s, s, "x-amz-")
		s3.ParsePostPolicy(s)
		r := httptest.NewRequest("PUT", "/b/k", nil)
		r.Header.Set("x-amz-grant-read", s)
		r.Header.Set("x-amz-object-lock-retain-until-date", s)
		aclRequest(r)
		lockRequest(r)
		sseRequest(r)
	})
}
