package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"fmt"
	"hash"
	"io"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
)

// Body is a request body with what the client claims about it.
type Body struct {
	R io.Reader
	// Size is the body length, or -1 when unknown (aws-chunked without a
	// decoded length).
	Size int64
	// ContentMD5 is the Content-MD5 header, if any.
	ContentMD5 string
	// Checksums are x-amz-checksum-* header values to verify.
	Checksums map[checksum.Algorithm]string
	// TrailerAlgorithm names the checksum an aws-chunked trailer carries;
	// Trailer returns its (already verified) value after R's EOF.
	TrailerAlgorithm checksum.Algorithm
	Trailer          func() string
}

// written is a body made durable as a blob.
type written struct {
	blobID    string
	size      int64
	md5       []byte
	checksums map[string]string
}

func (w written) etag() string { return fmt.Sprintf(`"%x"`, w.md5) }

// write streams a body into a new blob, verifying its length, Content-MD5
// and checksums on the way, and computing the checksum of alg too if set.
// On error nothing is left behind.
func (s *Service) write(ctx context.Context, b Body, alg checksum.Algorithm) (written, error) {
	if b.Size > MaxPutSize {
		return written{}, errTooLarge(b.Size)
	}
	var wantMD5 []byte
	if b.ContentMD5 != "" {
		v, err := base64.StdEncoding.DecodeString(b.ContentMD5)
		if err != nil || len(v) != md5.Size {
			return written{}, awserr.New(400, "InvalidDigest", "The Content-MD5 you specified is not valid.")
		}
		wantMD5 = v
	}
	if len(b.Checksums) > 1 || len(b.Checksums) == 1 && b.TrailerAlgorithm != "" {
		return written{}, awserr.New(400, "InvalidRequest", "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
	}
	hashes := map[checksum.Algorithm]hash.Hash{}
	for a, v := range b.Checksums {
		if !a.Valid(v) {
			return written{}, awserr.Newf(400, "InvalidRequest", "Value for %s header is invalid.", a.Header())
		}
		hashes[a] = a.New()
	}
	if alg != "" {
		given := b.TrailerAlgorithm
		for a := range b.Checksums {
			given = a
		}
		if given != "" && given != alg {
			return written{}, awserr.Newf(400, "InvalidRequest", "Checksum Type mismatch occurred, expected checksum Type: %s, actual checksum Type: %s", lower(alg), lower(given))
		}
		if _, ok := hashes[alg]; !ok && b.TrailerAlgorithm != alg {
			hashes[alg] = alg.New()
		}
	}
	md := md5.New()
	writers := []io.Writer{md}
	for _, h := range hashes {
		writers = append(writers, h)
	}
	body := io.TeeReader(io.LimitReader(b.R, MaxPutSize+1), io.MultiWriter(writers...))
	id, n, err := s.Blobs.Put(ctx, body)
	if err != nil {
		return written{}, err
	}
	fail := func(e error) (written, error) {
		s.freeBlobs(ctx, id)
		return written{}, e
	}
	if n > MaxPutSize {
		return fail(errTooLarge(n))
	}
	if b.Size >= 0 && n != b.Size {
		return fail(awserr.New(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header"))
	}
	w := written{blobID: id, size: n, md5: md.Sum(nil), checksums: map[string]string{}}
	if wantMD5 != nil && !bytes.Equal(w.md5, wantMD5) {
		return fail(awserr.New(400, "BadDigest", "The Content-MD5 you specified did not match what we received."))
	}
	for a, h := range hashes {
		got := checksum.Encode(h.Sum(nil))
		if want, ok := b.Checksums[a]; ok && got != want {
			return fail(awserr.Newf(400, "BadDigest", "The %s you specified did not match the calculated checksum.", a))
		}
		w.checksums[string(a)] = got
	}
	if b.TrailerAlgorithm != "" && b.Trailer != nil {
		w.checksums[string(b.TrailerAlgorithm)] = b.Trailer()
	}
	return w, nil
}

func errTooLarge(n int64) error {
	return awserr.New(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").With("ProposedSize", fmt.Sprint(n)).With("MaxSizeAllowed", fmt.Sprint(MaxPutSize))
}

func lower(a checksum.Algorithm) string {
	return string(bytes.ToLower([]byte(a)))
}
