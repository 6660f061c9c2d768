package sigv4

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/sekisho/sekisho/internal/checksum"
)

// signedChunkedRequest builds a STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]
// request whose seed signature comes from the SDK's signer and whose chunk
// signatures come from the SDK's stream signer.
func signedChunkedRequest(t testing.TB, now time.Time, data []byte, chunk int, trailer bool) *http.Request {
	t.Helper()
	mode := StreamingSigned
	if trailer {
		mode = StreamingSignedTrailer
	}
	req, _ := http.NewRequest("PUT", "http://localhost:9000/bucket/obj", nil)
	req.Header.Set("Content-Encoding", "aws-chunked")
	req.Header.Set("X-Amz-Content-Sha256", mode)
	req.Header.Set("X-Amz-Decoded-Content-Length", fmt.Sprint(len(data)))
	if trailer {
		req.Header.Set("X-Amz-Trailer", "x-amz-checksum-crc32")
	}
	if err := v4.NewSigner().SignHTTP(context.Background(), testCreds, req, mode, "s3", "us-east-1", now, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true }); err != nil {
		t.Fatal(err)
	}
	auth := req.Header.Get("Authorization")
	seed, _ := hex.DecodeString(auth[strings.Index(auth, "Signature=")+len("Signature="):])
	ss := v4.NewStreamSigner(testCreds, "s3", "us-east-1", seed)
	var body bytes.Buffer
	write := func(p []byte) []byte {
		sig, err := ss.GetSignature(context.Background(), nil, p, now)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&body, "%x;chunk-signature=%x\r\n%s\r\n", len(p), sig, p)
		return sig
	}
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		write(data[off:end])
	}
	last := write(nil)
	if !trailer {
		body.Truncate(body.Len() - 2)
		body.WriteString("\r\n")
	} else {
		body.Truncate(body.Len() - 2)
		sum := crc32.ChecksumIEEE(data)
		val := checksum.Encode([]byte{byte(sum >> 24), byte(sum >> 16), byte(sum >> 8), byte(sum)})
		line := "x-amz-checksum-crc32:" + val
		s := &chunkSigner{key: DeriveKey(testSecret, Scope{now.Format(shortFormat), "us-east-1", "s3"}), date: now.Format(timeFormat), scope: Scope{now.Format(shortFormat), "us-east-1", "s3"}.String(), prev: last}
		fmt.Fprintf(&body, "%s\r\nx-amz-trailer-signature:%x\r\n\r\n", line, s.trailer(line+"\n"))
	}
	req.Body = io.NopCloser(bytes.NewReader(body.Bytes()))
	req.ContentLength = int64(body.Len())
	return serverView(t, req)
}

func TestSignedChunked(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	v := testVerifier(now)
	data := bytes.Repeat([]byte("0123456789abcdef"), 10000)
	for _, trailer := range []bool{false, true} {
		for _, chunk := range []int{1, 8192, 65536, len(data)} {
			r := signedChunkedRequest(t, now, data, chunk, trailer)
			res, err := verify(t, v, r, Options{S3: true})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(res.Body)
			if err != nil {
				t.Fatalf("trailer=%v chunk=%d: %v", trailer, chunk, err)
			}
			if !bytes.Equal(got, data) {
				t.Fatalf("trailer=%v chunk=%d: wrong data", trailer, chunk)
			}
			if trailer && res.Chunked.Trailer().Get("x-amz-checksum-crc32") == "" {
				t.Fatal("trailer not exposed")
			}
		}
	}
}

func unsignedTrailerBody(data []byte, chunk int, value string) []byte {
	var b bytes.Buffer
	for off := 0; off < len(data); off += chunk {
		end := min(off+chunk, len(data))
		fmt.Fprintf(&b, "%x\r\n%s\r\n", end-off, data[off:end])
	}
	fmt.Fprintf(&b, "0\r\nx-amz-checksum-crc32:%s\r\n\r\n", value)
	return b.Bytes()
}

func crc32Value(data []byte) string {
	h := checksum.CRC32.New()
	h.Write(data)
	return checksum.Encode(h.Sum(nil))
}

func TestUnsignedTrailer(t *testing.T) {
	data := []byte(strings.Repeat("hello world ", 1000))
	decode := func(body []byte, decoded int) ([]byte, error) {
		c, err := NewChunkedReader(io.NopCloser(bytes.NewReader(body)), ChunkedOptions{Trailer: true, TrailerNames: []string{"x-amz-checksum-crc32"}, DecodedLength: int64(decoded)})
		if err != nil {
			return nil, err
		}
		return io.ReadAll(c)
	}
	got, err := decode(unsignedTrailerBody(data, 1000, crc32Value(data)), len(data))
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("valid body: %v", err)
	}
	if _, err := decode(unsignedTrailerBody(data, 1000, crc32Value([]byte("x"))), len(data)); kindOf(err) != KindBadDigest {
		t.Fatalf("bad checksum: %v", err)
	}
	if _, err := decode(unsignedTrailerBody(data, 1000, crc32Value(data)), len(data)+1); kindOf(err) != KindIncompleteBody {
		t.Fatalf("short body: %v", err)
	}
	if _, err := decode(unsignedTrailerBody(data, 1000, crc32Value(data))[:500], len(data)); kindOf(err) != KindIncompleteBody {
		t.Fatalf("truncated body: %v", err)
	}
	if _, err := decode([]byte("zz\r\nabc\r\n0\r\n\r\n"), -1); kindOf(err) != KindMalformedChunk {
		t.Fatalf("bad size: %v", err)
	}
}

func TestSignedPayloadMismatch(t *testing.T) {
	now := time.Now().UTC()
	v := testVerifier(now)
	body := []byte("the body")
	req, _ := http.NewRequest("PUT", "http://localhost/bucket/k", bytes.NewReader([]byte("the bodx")))
	req.Header.Set("X-Amz-Content-Sha256", sha(body))
	v4.NewSigner().SignHTTP(context.Background(), testCreds, req, sha(body), "s3", "us-east-1", now, func(o *v4.SignerOptions) { o.DisableURIPathEscaping = true })
	res, err := verify(t, v, serverView(t, req), Options{S3: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadAll(res.Body); kindOf(err) != KindContentSHA256Mismatch {
		t.Fatalf("err = %v", err)
	}
}
