package front_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"
)

// FuzzHandler: whatever the method, path, headers and body, the whole
// handler app.New builds (every service mounted) answers without panicking and without a
// 5xx other than 501 (not implemented) and 503 (overload).
func FuzzHandler(f *testing.F) {
	h := newApp(f).Handler()
	f.Add("GET", "/", "", "", "")
	f.Add("POST", "/", "X-Amz-Target: AWSCognitoIdentityProviderService.InitiateAuth\nContent-Type: application/x-amz-json-1.1", `{"AuthFlow":"USER_SRP_AUTH","ClientId":"x","AuthParameters":{"USERNAME":"u","SRP_A":"ff"}}`, "")
	f.Add("POST", "/", "X-Amz-Target: AWSCognitoIdentityService.GetId", `{"IdentityPoolId":"us-east-1:00000000-0000-0000-0000-000000000000"}`, "")
	f.Add("POST", "/", "Content-Type: application/x-www-form-urlencoded", "Action=AssumeRoleWithWebIdentity&RoleArn=arn:aws:iam::000000000000:role/r&RoleSessionName=s&WebIdentityToken=a.b.c", "")
	f.Add("POST", "/bucket", "Content-Type: multipart/form-data; boundary=xx", "--xx\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--xx\r\nContent-Disposition: form-data; name=\"file\"; filename=\"f\"\r\n\r\ndata\r\n--xx--\r\n", "")
	f.Add("PUT", "/bucket/key", "Authorization: AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE00/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=00\nX-Amz-Date: 20260101T000000Z\nX-Amz-Content-Sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD", "5;chunk-signature=00\r\nhello\r\n0;chunk-signature=00\r\n\r\n", "")
	f.Add("GET", "/bucket/key", "", "", "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLEEXAMPLE00%2F20260101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20260101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=00")
	f.Add("OPTIONS", "/", "Origin: http://a\nAccess-Control-Request-Method: POST", "", "")
	f.Add("GET", "/us-east-1_abc/.well-known/jwks.json", "", "", "")
	f.Add("GET", "/bucket", "Authorization: AWS AKIAEXAMPLEEXAMPLE00:AAAAAAAAAAAAAAAAAAAAAAAAAAA=\nDate: Thu, 03 Dec 2026 13:00:00 GMT", "", "versions&key-marker=a&version-id-marker=null")
	f.Add("GET", "/bucket/key", "x-amz-server-side-encryption-customer-algorithm: AES256\nx-amz-server-side-encryption-customer-key: AAAA", "", "versionId=0000000000000001ffffffffffffffff")
	f.Add("POST", "/", "X-Amz-Target: AWSOrganizationsV20161128.CreateAccount\nContent-Type: application/x-amz-json-1.1", `{"AccountName":"a","Email":"a@b.c"}`, "")
	f.Add("PUT", "/bucket", "x-amz-bucket-object-lock-enabled: true\nx-amz-acl: public-read", "", "")
	f.Add("POST", "/_auth/shop/oauth2/token", "Content-Type: application/x-www-form-urlencoded\nAuthorization: Basic eDp5", "grant_type=client_credentials&scope=a%2Fb", "")
	f.Add("GET", "/_auth/shop/oauth2/userInfo", "Authorization: Bearer a.b.c", "", "")
	f.Add("GET", "/_auth/shop/oauth2/idpresponse?code=x&state=y", "Cookie: cognito-fed=z", "", "")
	f.Add("GET", "/docs", "Host: site.s3-website.localhost", "", "")
	f.Add("HEAD", "/a/b/", "Host: site.s3-website-eu-west-1.localhost", "", "")
	f.Add("PUT", "/bucket", "", "<WebsiteConfiguration><IndexDocument><Suffix>i</Suffix></IndexDocument><RoutingRules><RoutingRule><Redirect/></RoutingRule></RoutingRules></WebsiteConfiguration>", "website")
	f.Add("PUT", "/bucket", "", "<BucketLoggingStatus><LoggingEnabled><TargetBucket>b</TargetBucket><TargetPrefix/><TargetObjectKeyFormat><PartitionedPrefix/></TargetObjectKeyFormat></LoggingEnabled></BucketLoggingStatus>", "logging")
	f.Add("PUT", "/bucket", "", "<IntelligentTieringConfiguration><Id>t</Id><Status>Enabled</Status><Tiering><Days>90</Days><AccessTier>ARCHIVE_ACCESS</AccessTier></Tiering></IntelligentTieringConfiguration>", "intelligent-tiering&id=t")
	f.Add("GET", "/bucket", "", "", "metrics&continuation-token=bTA5OQ")
	f.Add("PUT", "/bucket", "x-amz-skip-destination-validation: true", "<NotificationConfiguration><CloudFunctionConfiguration><CloudFunction>arn:aws:lambda:us-east-1:000000000000:function:f</CloudFunction><Event>s3:ObjectCreated:*</Event><Filter><S3Key><FilterRule><Name>prefix</Name><Value>a</Value></FilterRule></S3Key></Filter></CloudFunctionConfiguration><EventBridgeConfiguration/></NotificationConfiguration>", "notification")
	f.Add("PUT", "/bucket", "", "<ReplicationConfiguration><Role>arn:aws:iam::000000000000:role/r</Role><Rule><Priority>1</Priority><Filter><And><Prefix>a</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Destination><Bucket>arn:aws:s3:::d</Bucket></Destination><DeleteMarkerReplication><Status>Enabled</Status></DeleteMarkerReplication></Rule></ReplicationConfiguration>", "replication")
	f.Add("POST", "/bucket/key", "", "<RestoreRequest><Days>1</Days><GlacierJobParameters><Tier>Bulk</Tier></GlacierJobParameters></RestoreRequest>", "restore")
	f.Fuzz(func(t *testing.T, method, path, headers, body, query string) {
		req := httptest.NewRequest("GET", "http://localhost/", bytes.NewReader([]byte(body)))
		req.Method = method
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, "", query
		req.RequestURI = ""
		for _, line := range strings.Split(headers, "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && k != "" {
				if strings.EqualFold(strings.TrimSpace(k), "Host") {
					req.Host = strings.TrimSpace(v)
					continue
				}
				req.Header.Add(strings.TrimSpace(k), strings.TrimSpace(v))
			}
		}
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { h.ServeHTTP(w, req); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			n := runtime.Stack(buf, true)
			t.Fatalf("%s %s?%s (%q, %q): no answer in 10 s\n%s", method, path, query, headers, body, buf[:n])
		}
		if w.Code >= 500 && w.Code != http.StatusNotImplemented && w.Code != http.StatusServiceUnavailable {
			t.Fatalf("%s %s?%s (%q, %q): %d %s", method, path, query, headers, body, w.Code, w.Body.String())
		}
	})
}
