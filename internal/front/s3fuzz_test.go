package front

import (
	"bytes"
	"io"
	"net/http/httptest"
	"testing"

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
