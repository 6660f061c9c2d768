package s3

import (
	"encoding/base64"
	"testing"
	"time"
)

// FuzzPostPolicy: any policy document parses or fails cleanly, and a
// parsed one checks any fields without panicking.
func FuzzPostPolicy(f *testing.F) {
	f.Add(`{"expiration":"2030-01-01T00:00:00Z","conditions":[{"bucket":"b"},["starts-with","$key","u/"],["content-length-range",1,10]]}`, "u/x", "b")
	f.Add(`{"expiration":"bad","conditions":[]}`, "", "")
	f.Add(`{"expiration":"2030-01-01T00:00:00.000Z","conditions":[["eq","$Content-Type","text/plain"],["starts-with","$content-type",""]]}`, "k", "b")
	f.Add(`{"expiration":"2030-01-01T00:00:00Z","conditions":[["content-length-range",-1,"x"],{"a":1},[1,2,3]]}`, "k", "b")
	f.Fuzz(func(t *testing.T, doc, key, bucket string) {
		p, err := ParsePostPolicy(base64.StdEncoding.EncodeToString([]byte(doc)))
		if err != nil {
			return
		}
		p.Check(map[string]string{"key": key, "bucket": bucket, "content-type": key}, time.Unix(0, 0))
		p.CheckSize(int64(len(key)))
	})
}

// FuzzParseRange: ranges parse to bounds inside the object or to an
// error, never outside it.
func FuzzParseRange(f *testing.F) {
	for _, s := range []string{"bytes=0-0", "bytes=-5", "bytes=5-", "bytes=3-1", "bytes=0-1,2-3", "items=0-1", "bytes=99999999999999999999-", "bytes= 1 - 2"} {
		f.Add(s, int64(10))
	}
	f.Fuzz(func(t *testing.T, h string, size int64) {
		if size < 0 {
			size = -size
		}
		start, length, ok, err := ParseRange(h, size)
		if err != nil || !ok {
			return
		}
		if start < 0 || length <= 0 || start+length > size {
			t.Fatalf("ParseRange(%q, %d) = %d+%d", h, size, start, length)
		}
	})
}
