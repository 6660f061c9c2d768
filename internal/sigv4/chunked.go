package sigv4

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/sekisho/sekisho/internal/checksum"
)

// maxChunkLine bounds a chunk header or trailer line, so a client cannot
// make the decoder buffer without end.
const maxChunkLine = 4096

// maxTrailerLines bounds how many trailing headers a body may carry.
const maxTrailerLines = 16

// chunkSigner verifies the signature chain of a signed aws-chunked body.
type chunkSigner struct {
	key   []byte
	date  string
	scope string
	prev  []byte
}

func (s *chunkSigner) chunk(dataHash []byte) []byte {
	sts := "AWS4-HMAC-SHA256-PAYLOAD\n" + s.date + "\n" + s.scope + "\n" +
		hex.EncodeToString(s.prev) + "\n" + emptyHashHex + "\n" + hex.EncodeToString(dataHash)
	return hmacSHA256(s.key, sts)
}

func (s *chunkSigner) trailer(canon string) []byte {
	h := sha256.Sum256([]byte(canon))
	sts := "AWS4-HMAC-SHA256-TRAILER\n" + s.date + "\n" + s.scope + "\n" +
		hex.EncodeToString(s.prev) + "\n" + hex.EncodeToString(h[:])
	return hmacSHA256(s.key, sts)
}

const emptyHashHex = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// ChunkedOptions configure a ChunkedReader.
type ChunkedOptions struct {
	// Signer, when set, makes every chunk (and the trailer) carry a
	// signature that chains from the request's seed signature. Only
	// Verify constructs it.
	Signer *chunkSigner
	// Trailer says that trailing headers follow the final chunk.
	Trailer bool
	// TrailerNames are the x-amz-trailer header values: the trailing
	// headers the client announced.
	TrailerNames []string
	// DecodedLength is the announced decoded length, or -1.
	DecodedLength int64
}

// ChunkedReader decodes an aws-chunked body: "size[;chunk-signature=sig]"
// lines, each followed by that many bytes, a zero-size final chunk, and
// optional trailing headers. It verifies chunk signatures (when signed), the
// announced decoded length, and a trailing x-amz-checksum-* value against
// the decoded bytes. Read returns an *Error at the first failure.
type ChunkedReader struct {
	src  io.ReadCloser
	br   *bufio.Reader
	opt  ChunkedOptions
	algo checksum.Algorithm
	sum  hash.Hash // trailing checksum being computed, if any

	left    int64  // bytes left in the current chunk
	sig     []byte // signature of the current chunk
	chunkH  hash.Hash
	total   int64
	done    bool
	err     error
	trailer http.Header
}

// NewChunkedReader returns a decoder of src.
func NewChunkedReader(src io.ReadCloser, opt ChunkedOptions) (*ChunkedReader, error) {
	c := &ChunkedReader{src: src, br: bufio.NewReaderSize(src, 64<<10), opt: opt, trailer: http.Header{}}
	if opt.Signer != nil {
		c.chunkH = sha256.New()
	}
	var names []string
	for _, v := range opt.TrailerNames {
		for _, n := range strings.Split(v, ",") {
			if n = strings.TrimSpace(n); n != "" {
				names = append(names, strings.ToLower(n))
			}
		}
	}
	if opt.Trailer && len(names) == 0 {
		return nil, errorf(KindInvalidTrailer, "The x-amz-trailer header is required for trailing-checksum uploads.")
	}
	for _, n := range names {
		a, ok := checksum.FromHeader(n)
		if !ok {
			return nil, errorf(KindInvalidTrailer, "The value specified in the x-amz-trailer header is not supported")
		}
		if c.sum != nil {
			return nil, errorf(KindInvalidTrailer, "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.")
		}
		c.algo, c.sum = a, a.New()
	}
	return c, nil
}

// Algorithm returns the algorithm of the trailing checksum, if any.
func (c *ChunkedReader) Algorithm() checksum.Algorithm { return c.algo }

// Trailer returns the trailing headers; complete once Read returned io.EOF.
func (c *ChunkedReader) Trailer() http.Header { return c.trailer }

// Close closes the underlying body.
func (c *ChunkedReader) Close() error { return c.src.Close() }

func (c *ChunkedReader) fail(k Kind, format string, args ...any) error {
	if c.err == nil {
		c.err = errorf(k, format, args...)
	}
	return c.err
}

// readLine reads one CRLF-terminated line of at most maxChunkLine bytes.
func (c *ChunkedReader) readLine() (string, error) {
	var line []byte
	for {
		frag, err := c.br.ReadSlice('\n')
		line = append(line, frag...)
		if len(line) > maxChunkLine {
			return "", c.fail(KindMalformedChunk, "A chunk header or trailer line is too long.")
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			if len(line) == 0 {
				return "", io.EOF
			}
			return "", c.fail(KindIncompleteBody, "The request body terminated unexpectedly")
		}
		if err != nil {
			return "", c.fail(KindIncompleteBody, "The request body terminated unexpectedly")
		}
		break
	}
	s := string(line)
	if !strings.HasSuffix(s, "\r\n") {
		return "", c.fail(KindMalformedChunk, "Chunk lines must end with CRLF.")
	}
	return s[:len(s)-2], nil
}

// nextChunk reads a chunk header; it reports false after the final chunk.
func (c *ChunkedReader) nextChunk() (bool, error) {
	line, err := c.readLine()
	if err == io.EOF {
		return false, c.fail(KindIncompleteBody, "The request body terminated unexpectedly")
	}
	if err != nil {
		return false, err
	}
	sizeStr, ext, hasExt := strings.Cut(line, ";")
	size, perr := strconv.ParseInt(strings.TrimSpace(sizeStr), 16, 64)
	if perr != nil || size < 0 || len(sizeStr) == 0 {
		return false, c.fail(KindMalformedChunk, "Invalid chunk size %q.", sizeStr)
	}
	if c.opt.Signer != nil {
		k, v, _ := strings.Cut(ext, "=")
		if !hasExt || k != "chunk-signature" {
			return false, c.fail(KindMalformedChunk, "Chunk is missing its chunk-signature.")
		}
		sig, err := hex.DecodeString(v)
		if err != nil || len(sig) != 32 {
			return false, c.fail(KindMalformedChunk, "Chunk signature is malformed.")
		}
		c.sig = sig
		c.chunkH.Reset()
	}
	if c.opt.DecodedLength >= 0 && c.total+size > c.opt.DecodedLength {
		return false, c.fail(KindIncompleteBody, "The chunked body is longer than x-amz-decoded-content-length.")
	}
	c.left = size
	if size == 0 {
		if err := c.endChunk(); err != nil {
			return false, err
		}
		return false, c.finish()
	}
	return true, nil
}

// endChunk verifies the signature of the chunk just read.
func (c *ChunkedReader) endChunk() error {
	if c.opt.Signer == nil {
		return nil
	}
	want := c.opt.Signer.chunk(c.chunkH.Sum(nil))
	if !hmac.Equal(want, c.sig) {
		return c.fail(KindChunkSignature, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
	}
	c.opt.Signer.prev = c.sig
	return nil
}

// finish reads the trailer after the final chunk and checks lengths and
// checksums.
func (c *ChunkedReader) finish() error {
	if c.opt.DecodedLength >= 0 && c.total != c.opt.DecodedLength {
		return c.fail(KindIncompleteBody, "You did not provide the number of bytes specified by the x-amz-decoded-content-length header.")
	}
	var canon strings.Builder
	var trailerSig []byte
	for i := 0; ; i++ {
		line, err := c.readLine()
		if err == io.EOF {
			break // some encoders omit the final empty line
		}
		if err != nil {
			return err
		}
		if line == "" {
			break
		}
		if i >= maxTrailerLines {
			return c.fail(KindMalformedChunk, "Too many trailing headers.")
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return c.fail(KindMalformedChunk, "Malformed trailing header.")
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		if k == "x-amz-trailer-signature" {
			s, err := hex.DecodeString(v)
			if err != nil || len(s) != 32 {
				return c.fail(KindMalformedChunk, "Trailer signature is malformed.")
			}
			trailerSig = s
			continue
		}
		c.trailer.Add(k, v)
		canon.WriteString(k + ":" + v + "\n")
	}
	if c.opt.Signer != nil && c.opt.Trailer {
		if trailerSig == nil || !hmac.Equal(c.opt.Signer.trailer(canon.String()), trailerSig) {
			return c.fail(KindChunkSignature, "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		}
	}
	if c.sum != nil {
		got := c.trailer.Get(c.algo.Header())
		if got == "" {
			return c.fail(KindInvalidTrailer, "x-amz-trailer names %s but the trailer did not carry it.", c.algo.Header())
		}
		if !c.algo.Valid(got) {
			return c.fail(KindInvalidTrailer, "Value for %s trailing header is invalid.", c.algo.Header())
		}
		if checksum.Encode(c.sum.Sum(nil)) != got {
			return c.fail(KindBadDigest, "The %s you specified did not match the calculated checksum.", c.algo)
		}
	}
	// Anything after the trailer is not part of the message.
	if n, _ := c.br.Peek(1); len(n) > 0 {
		return c.fail(KindMalformedChunk, "Unexpected data after the final chunk.")
	}
	c.done = true
	return nil
}

// Read implements io.Reader over the decoded payload.
func (c *ChunkedReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	for c.left == 0 {
		more, err := c.nextChunk()
		if err != nil {
			return 0, err
		}
		if !more {
			return 0, io.EOF
		}
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.br.Read(p)
	c.left -= int64(n)
	c.total += int64(n)
	if c.chunkH != nil {
		c.chunkH.Write(p[:n])
	}
	if c.sum != nil {
		c.sum.Write(p[:n])
	}
	if err == io.EOF || (err == nil && n == 0) {
		return n, c.fail(KindIncompleteBody, "The request body terminated unexpectedly")
	}
	if err != nil {
		return n, c.fail(KindIncompleteBody, "The request body terminated unexpectedly")
	}
	if c.left == 0 {
		crlf := make([]byte, 2)
		if _, err := io.ReadFull(c.br, crlf); err != nil {
			return n, c.fail(KindIncompleteBody, "The request body terminated unexpectedly")
		}
		if !bytes.Equal(crlf, []byte("\r\n")) {
			return n, c.fail(KindMalformedChunk, "Chunk data must be followed by CRLF.")
		}
		if err := c.endChunk(); err != nil {
			return n, err
		}
	}
	return n, nil
}
