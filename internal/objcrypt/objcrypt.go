// Package objcrypt encrypts object bytes at rest: the stream format behind
// S3 server-side encryption (SSE-S3, SSE-KMS and SSE-C).
//
// A stream is a header (a magic and a random 16-byte salt) followed by
// chunks of at most ChunkSize plaintext bytes, each sealed with AES-256-GCM
// under a key derived from the object's data key and the salt. A chunk's
// nonce is its index and a flag marking the last chunk, so chunks cannot be
// reordered, dropped or cut off at the end without Open noticing, and any
// byte range decrypts by reading only the chunks that hold it.
//
// The data key is random per object (or per multipart upload; every part
// has its own salt, hence its own chunk key). Callers wrap it: under the
// server's master key for SSE-S3, under the customer's key for SSE-C.
package objcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
)

// ChunkSize is the plaintext size of every chunk but the last.
const ChunkSize = 64 << 10

// KeySize is the size of a data key.
const KeySize = 32

const (
	magic      = "SKC1"
	saltSize   = 16
	headerSize = len(magic) + saltSize
	tagSize    = 16
)

// ErrCorrupt: the stored bytes are not a stream sealed under the key (a
// wrong key, tampering, truncation).
var ErrCorrupt = errors.New("objcrypt: encrypted object is corrupt or the key is wrong")

// NewKey returns a fresh random data key.
func NewKey() []byte {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return k
}

// SealedSize is the stored size of a stream of n plaintext bytes.
func SealedSize(n int64) int64 {
	return int64(headerSize) + chunks(n)*tagSize + n
}

func chunks(n int64) int64 {
	if n == 0 {
		return 1
	}
	return (n + ChunkSize - 1) / ChunkSize
}

func chunkAEAD(key, salt []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("objcrypt: data key must be %d bytes", KeySize)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sekisho object chunks\x00"))
	m.Write(salt)
	block, err := aes.NewCipher(m.Sum(nil))
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func nonce(dst []byte, idx int64, last bool) []byte {
	dst = dst[:12]
	binary.BigEndian.PutUint64(dst, uint64(idx))
	var f uint32
	if last {
		f = 1
	}
	binary.BigEndian.PutUint32(dst[8:], f)
	return dst
}

// inParallel runs f(0) … f(n-1), f(0) on the calling goroutine and the
// rest on their own, and waits for all of them.
func inParallel(n int64, f func(int64)) {
	var wg sync.WaitGroup
	for i := int64(1); i < n; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); f(i) }()
	}
	f(0)
	wg.Wait()
}

// sealBatch is how many chunks Encrypt seals at once, in parallel.
const sealBatch = 4

// Encrypt returns a reader of the sealed stream of r's bytes under key.
// It reads sealBatch chunks at a time and seals them in parallel, so a
// large object's encryption uses every core rather than one.
func Encrypt(key []byte, r io.Reader) (io.Reader, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	aead, err := chunkAEAD(key, salt)
	if err != nil {
		return nil, err
	}
	e := &encrypter{src: r, aead: aead, bufs: sealBufs.Get().(*sealBuffers)}
	e.plain, e.sealed = e.bufs.plain[:], e.bufs.sealed[:]
	e.out = append(append(e.sealed[:0], magic...), salt...)
	return e, nil
}

// sealBuffers are an encrypter's buffers, pooled: small objects would
// otherwise allocate a batch's worth each.
type sealBuffers struct {
	plain  [sealBatch*ChunkSize + 1]byte
	sealed [headerSize + sealBatch*(ChunkSize+tagSize)]byte
}

var sealBufs = sync.Pool{New: func() any { return new(sealBuffers) }}

type encrypter struct {
	bufs   *sealBuffers // returned to sealBufs once the stream is read out
	src    io.Reader
	aead   cipher.AEAD
	idx    int64
	plain  []byte // sealBatch*ChunkSize+1: one byte of look-ahead
	ahead  int    // bytes of the next batch already read into plain
	sealed []byte // backing array of out
	out    []byte // sealed bytes not yet returned
	done   bool
	err    error
}

func (e *encrypter) Read(p []byte) (int, error) {
	for len(e.out) == 0 {
		if e.err != nil {
			return 0, e.err
		}
		if e.done {
			if e.bufs != nil {
				e.plain, e.sealed, e.out = nil, nil, nil
				sealBufs.Put(e.bufs)
				e.bufs = nil
			}
			return 0, io.EOF
		}
		e.fill()
	}
	n := copy(p, e.out)
	e.out = e.out[n:]
	return n, nil
}

// fill seals the next batch of chunks into out.
func (e *encrypter) fill() {
	n, err := io.ReadFull(e.src, e.plain[e.ahead:])
	n += e.ahead
	eof := err == io.EOF || err == io.ErrUnexpectedEOF
	if err != nil && !eof {
		e.err = err
		return
	}
	body := sealBatch * ChunkSize // the last byte read is the next batch's
	if eof {
		body = n
	}
	count := chunks(int64(body)) // an empty stream still has one chunk
	seal := func(j int64) {
		pl := e.plain[j*ChunkSize : min((j+1)*ChunkSize, int64(body))]
		at := j * (ChunkSize + tagSize)
		var nb [12]byte
		e.aead.Seal(e.sealed[at:at:at+int64(len(pl))+tagSize], nonce(nb[:], e.idx+j, eof && j == count-1), pl, nil)
	}
	inParallel(count, seal)
	e.out = e.sealed[:int64(body)+count*tagSize]
	e.idx += count
	if eof {
		e.done = true
		return
	}
	e.plain[0] = e.plain[sealBatch*ChunkSize]
	e.ahead = 1
}

// Reader reads the plaintext of a sealed stream of a known plaintext size
// at any offset. It is not safe for concurrent use.
type Reader struct {
	src    io.ReaderAt
	size   int64
	aead   cipher.AEAD
	cached int64 // index of the chunk in plain, or -1
	plain  []byte
	sealed []byte
	nb     [12]byte
}

// Open returns a Reader of the stream in src, whose plaintext is size
// bytes. It checks the header; chunks are checked as they are read.
func Open(key []byte, src io.ReaderAt, size int64) (*Reader, error) {
	if size < 0 {
		return nil, ErrCorrupt
	}
	hdr := make([]byte, headerSize)
	if _, err := src.ReadAt(hdr, 0); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ErrCorrupt
		}
		return nil, err
	}
	if string(hdr[:len(magic)]) != magic {
		return nil, ErrCorrupt
	}
	aead, err := chunkAEAD(key, hdr[len(magic):])
	if err != nil {
		return nil, err
	}
	return &Reader{src: src, size: size, aead: aead, cached: -1}, nil
}

// Size is the plaintext size.
func (r *Reader) Size() int64 { return r.size }

// chunk decrypts chunk idx into r.plain.
func (r *Reader) chunk(idx int64) error {
	if idx == r.cached {
		return nil
	}
	r.cached = -1
	n := min(int64(ChunkSize), r.size-idx*ChunkSize)
	if r.sealed == nil {
		r.sealed = make([]byte, ChunkSize+tagSize)
		r.plain = make([]byte, 0, ChunkSize)
	}
	buf := r.sealed[:n+tagSize]
	off := int64(headerSize) + idx*(ChunkSize+tagSize)
	if _, err := r.src.ReadAt(buf, off); err != nil {
		if errors.Is(err, io.EOF) {
			return ErrCorrupt
		}
		return err
	}
	last := idx == chunks(r.size)-1
	plain, err := r.aead.Open(r.plain[:0], nonce(r.nb[:], idx, last), buf, nil)
	if err != nil {
		return ErrCorrupt
	}
	r.plain, r.cached = plain, idx
	return nil
}

// ReadAt reads plaintext at off.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("objcrypt: negative offset")
	}
	total := 0
	for len(p) > 0 {
		if off >= r.size {
			if r.size == 0 && r.cached != 0 {
				// An empty stream still has its one (empty) chunk to check.
				if err := r.chunk(0); err != nil {
					return total, err
				}
			}
			return total, io.EOF
		}
		idx := off / ChunkSize
		if err := r.chunk(idx); err != nil {
			return total, err
		}
		n := copy(p, r.plain[off-idx*ChunkSize:])
		p, off, total = p[n:], off+int64(n), total+n
	}
	return total, nil
}

// batchChunks is how many chunks a ranged write reads at once.
const batchChunks = 4

var batchBufs = sync.Pool{New: func() any { b := make([]byte, batchChunks*(ChunkSize+tagSize)); return &b }}

// Range returns a reader of plaintext [off, off+n). Besides Read, it has
// WriteTo, which reads several chunks per read of the source, opens them
// in place and writes the plaintext straight out: a ranged GET's fast path.
func (r *Reader) Range(off, n int64) io.Reader {
	return &rangeReader{r: r, off: off, n: n}
}

type rangeReader struct {
	r      *Reader
	off, n int64
}

func (rr *rangeReader) Read(p []byte) (int, error) {
	if rr.n <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > rr.n {
		p = p[:rr.n]
	}
	m, err := rr.r.ReadAt(p, rr.off)
	rr.off += int64(m)
	rr.n -= int64(m)
	if err == io.EOF && rr.n > 0 {
		err = io.ErrUnexpectedEOF
	} else if err == io.EOF {
		err = nil
	}
	return m, err
}

// WriteTo writes the range's plaintext to w. A goroutine reads and opens
// the next batch of chunks (its chunks in parallel) while the current
// one is written, and each batch goes out in one Write: for an encrypted
// GET, decryption then overlaps the socket writes instead of adding to
// them.
func (rr *rangeReader) WriteTo(w io.Writer) (int64, error) {
	out := make(chan openedBatch, 1)
	stop := make(chan struct{})
	go rr.r.openBatches(rr.off, rr.n, out, stop)
	defer func() {
		close(stop)
		for b := range out { // let the producer finish and free its buffers
			if b.buf != nil {
				batchBufs.Put(b.buf)
			}
		}
	}()
	var total int64
	for b := range out {
		if b.err != nil {
			return total, b.err
		}
		m, err := w.Write(b.plain)
		batchBufs.Put(b.buf)
		total += int64(m)
		rr.off += int64(m)
		rr.n -= int64(m)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

// openedBatch is a batch's plaintext, in buf (from batchBufs), or the
// error that ended the range.
type openedBatch struct {
	buf   *[]byte
	plain []byte
	err   error
}

// openBatches reads and opens the chunks holding plaintext [off, off+n),
// batchChunks at a time, and sends each batch's plaintext on out until
// done or stopped; it closes out.
func (r *Reader) openBatches(off, n int64, out chan<- openedBatch, stop <-chan struct{}) {
	defer close(out)
	send := func(b openedBatch) bool {
		select {
		case out <- b:
			return true
		case <-stop:
			if b.buf != nil {
				batchBufs.Put(b.buf)
			}
			return false
		}
	}
	last := chunks(r.size) - 1
	for n > 0 {
		first := off / ChunkSize
		count := min(int64(batchChunks), last-first+1)
		if first > last || count <= 0 {
			send(openedBatch{err: io.ErrUnexpectedEOF})
			return
		}
		bufp := batchBufs.Get().(*[]byte)
		buf := *bufp
		// The sealed chunks first..first+count-1 are contiguous.
		plainEnd := min((first+count)*ChunkSize, r.size)
		sealedLen := (plainEnd - first*ChunkSize) + count*tagSize
		src := buf[:sealedLen]
		if _, err := r.src.ReadAt(src, int64(headerSize)+first*(ChunkSize+tagSize)); err != nil {
			batchBufs.Put(bufp)
			if errors.Is(err, io.EOF) {
				err = ErrCorrupt
			}
			send(openedBatch{err: err})
			return
		}
		// Open the chunks in parallel, in place.
		var bad atomic.Bool
		open := func(i int64) {
			idx := first + i
			plainLen := min(int64(ChunkSize), r.size-idx*ChunkSize)
			sealed := src[i*(ChunkSize+tagSize) : i*(ChunkSize+tagSize)+plainLen+tagSize]
			var nb [12]byte
			if _, err := r.aead.Open(sealed[:0], nonce(nb[:], idx, idx == last), sealed, nil); err != nil {
				bad.Store(true)
			}
		}
		inParallel(count, open)
		if bad.Load() {
			batchBufs.Put(bufp)
			send(openedBatch{err: ErrCorrupt})
			return
		}
		// Close the gaps the tags left, making the plaintext contiguous.
		for i := int64(1); i < count; i++ {
			plainLen := min(int64(ChunkSize), r.size-(first+i)*ChunkSize)
			copy(buf[i*ChunkSize:], buf[i*(ChunkSize+tagSize):i*(ChunkSize+tagSize)+plainLen])
		}
		from := off - first*ChunkSize
		to := min(plainEnd-first*ChunkSize, from+n)
		if !send(openedBatch{buf: bufp, plain: buf[from:to]}) {
			return
		}
		off += to - from
		n -= to - from
	}
}
