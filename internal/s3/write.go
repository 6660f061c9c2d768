package s3

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"sync"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/objcrypt"
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

// InlineLimit is the largest object kept inline with its metadata record
// instead of in a blob file. Small objects then cost one shared metadata
// commit instead of a file create, two fsyncs and, on overwrite, an unlink.
const InlineLimit = 32 << 10

// written is a body made durable as a blob, or held to be stored inline.
type written struct {
	blobID    string
	inline    []byte // the whole body, when it is stored inline
	size      int64
	md5       []byte
	checksums map[string]string
}

var inlineBufs = sync.Pool{New: func() any { b := make([]byte, InlineLimit+1); return &b }}

func (w written) etag() string { return fmt.Sprintf(`"%x"`, w.md5) }

// write streams a body into a new blob, verifying its length, Content-MD5
// and checksums on the way, and computing the checksum of alg too if set.
// With inline, a body of at most InlineLimit bytes is returned in memory
// instead. With a data key, the bytes are stored encrypted under it (see
// sse.go); size, digests and checksums are those of the plaintext. On
// error nothing is left behind.
func (s *Service) write(ctx context.Context, b Body, alg checksum.Algorithm, inline bool, key []byte) (written, error) {
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
	var (
		id   string
		n    int64
		held []byte
	)
	if inline && b.Size <= InlineLimit {
		bufp := inlineBufs.Get().(*[]byte)
		defer inlineBufs.Put(bufp)
		m, err := io.ReadFull(body, *bufp)
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			held, n = append([]byte{}, (*bufp)[:m]...), int64(m)
		case err != nil:
			return written{}, bodyError(ctx, err)
		default: // longer than the limit after all: spill to a blob
			body = io.MultiReader(bytes.NewReader((*bufp)[:m]), body)
		}
	}
	if held == nil {
		src := io.Reader(body)
		count := &countingReader{r: body}
		if key != nil {
			var err error
			if src, err = objcrypt.Encrypt(key, count); err != nil {
				return written{}, err
			}
		}
		var err error
		if id, n, err = s.Blobs.Put(ctx, src); err != nil {
			return written{}, bodyError(ctx, err)
		}
		if key != nil {
			n = count.n
		}
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
	w := written{blobID: id, inline: held, size: n, md5: md.Sum(nil), checksums: map[string]string{}}
	if wantMD5 != nil && !bytes.Equal(w.md5, wantMD5) {
		return fail(awserr.New(400, "BadDigest", "The Content-MD5 you specified did not match what we received."))
	}
	if key != nil {
		if held != nil {
			sealed, err := sealBytes(key, held)
			if err != nil {
				return fail(err)
			}
			w.inline = sealed
		}
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

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func errTooLarge(n int64) error {
	return awserr.New(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size").With("ProposedSize", fmt.Sprint(n)).With("MaxSizeAllowed", fmt.Sprint(MaxPutSize))
}

func lower(a checksum.Algorithm) string {
	return string(bytes.ToLower([]byte(a)))
}

// bodyError names a failure to read a request body. A client that hung up
// or sent less than it announced is told IncompleteBody (if it still
// listens); other errors (a signature that fails mid-stream, a full disk)
// pass through.
func bodyError(ctx context.Context, err error) error {
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return awserr.New(400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header").WithErr(err)
	}
	return err
}
