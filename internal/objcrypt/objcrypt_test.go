package objcrypt

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	mrand "math/rand/v2"
	"testing"
)

func seal(t testing.TB, key, plain []byte) []byte {
	t.Helper()
	r, err := Encrypt(key, bytes.NewReader(plain))
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	key := NewKey()
	for _, n := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 2 * ChunkSize, 3*ChunkSize + 5, sealBatch*ChunkSize - 1, sealBatch * ChunkSize, sealBatch*ChunkSize + 1, 2*sealBatch*ChunkSize + 5} {
		plain := make([]byte, n)
		rand.Read(plain)
		sealed := seal(t, key, plain)
		if int64(len(sealed)) != SealedSize(int64(n)) {
			t.Fatalf("n=%d: sealed %d bytes, SealedSize says %d", n, len(sealed), SealedSize(int64(n)))
		}
		if n > 16 && bytes.Contains(sealed, plain[:16]) {
			t.Fatalf("n=%d: plaintext visible in the sealed bytes", n)
		}
		r, err := Open(key, bytes.NewReader(sealed), int64(n))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(io.NewSectionReader(r, 0, int64(n)))
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: read back %d bytes, err %v", n, len(got), err)
		}
		for range 50 {
			if n == 0 {
				break
			}
			off := mrand.IntN(n)
			l := mrand.IntN(n-off) + 1
			got := make([]byte, l)
			if _, err := r.ReadAt(got, int64(off)); err != nil && err != io.EOF || !bytes.Equal(got, plain[off:off+l]) {
				t.Fatalf("n=%d: range %d+%d wrong (%v)", n, off, l, err)
			}
		}
	}
}

func TestTamper(t *testing.T) {
	key := NewKey()
	plain := make([]byte, 2*ChunkSize+10)
	sealed := seal(t, key, plain)
	read := func(b []byte, k []byte, size int64) error {
		r, err := Open(k, bytes.NewReader(b), size)
		if err != nil {
			return err
		}
		_, err = io.ReadAll(io.NewSectionReader(r, 0, size))
		return err
	}
	if err := read(sealed, NewKey(), int64(len(plain))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("wrong key: %v", err)
	}
	flipped := bytes.Clone(sealed)
	flipped[len(flipped)/2] ^= 1
	if err := read(flipped, key, int64(len(plain))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("flipped bit: %v", err)
	}
	// Cut at a chunk boundary and claim the shorter size: the chunk that
	// is now last was not sealed as last.
	cut := sealed[:headerSize+ChunkSize+tagSize]
	if err := read(cut, key, ChunkSize); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
	if err := read(sealed[:len(sealed)-1], key, int64(len(plain))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("short: %v", err)
	}
	swapped := bytes.Clone(sealed)
	c := ChunkSize + tagSize
	copy(swapped[headerSize:], sealed[headerSize+c:headerSize+2*c])
	copy(swapped[headerSize+c:], sealed[headerSize:headerSize+c])
	if err := read(swapped, key, int64(len(plain))); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("swapped chunks: %v", err)
	}
	empty := seal(t, key, nil)
	er, _ := Open(key, bytes.NewReader(empty[:headerSize]), 0)
	if _, err := er.ReadAt(make([]byte, 1), 0); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("empty stream without its chunk: %v", err)
	}
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errors.New("boom") }

func TestEncryptPassesReadErrors(t *testing.T) {
	r, _ := Encrypt(NewKey(), io.MultiReader(bytes.NewReader(make([]byte, ChunkSize+3)), errReader{}))
	if _, err := io.ReadAll(r); err == nil || err.Error() != "boom" {
		t.Fatalf("err = %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	key := bytes.Repeat([]byte{7}, KeySize)
	f.Add(seal(f, key, []byte("hello")), int64(5))
	f.Fuzz(func(t *testing.T, b []byte, size int64) {
		if size > 1<<20 {
			return
		}
		r, err := Open(key, bytes.NewReader(b), size)
		if err != nil {
			return
		}
		io.ReadAll(io.NewSectionReader(r, 0, max(size, 0)))
	})
}

func BenchmarkEncrypt1MiB(b *testing.B) {
	key, plain := NewKey(), make([]byte, 1<<20)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		r, _ := Encrypt(key, bytes.NewReader(plain))
		io.Copy(io.Discard, r)
	}
}

func BenchmarkDecrypt1MiB(b *testing.B) {
	key, plain := NewKey(), make([]byte, 1<<20)
	sealed := seal(b, key, plain)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		r, _ := Open(key, bytes.NewReader(sealed), int64(len(plain)))
		io.Copy(io.Discard, io.NewSectionReader(r, 0, int64(len(plain))))
	}
}

// TestRange: Range's Read and WriteTo give exactly the plaintext of any
// range, across chunk and batch boundaries, and WriteTo refuses a
// tampered chunk.
func TestRange(t *testing.T) {
	key := NewKey()
	plain := make([]byte, 5*ChunkSize+777)
	for i := range plain {
		plain[i] = byte(i * 7)
	}
	r, _ := Encrypt(key, bytes.NewReader(plain))
	sealed, _ := io.ReadAll(r)
	for _, rg := range [][2]int64{{0, int64(len(plain))}, {1, 10}, {ChunkSize - 3, 6}, {ChunkSize * 4, ChunkSize + 777}, {3*ChunkSize + 5, 2*ChunkSize + 700}, {int64(len(plain)) - 1, 1}, {0, 0}} {
		d, err := Open(key, bytes.NewReader(sealed), int64(len(plain)))
		if err != nil {
			t.Fatal(err)
		}
		var viaWriteTo bytes.Buffer
		if _, err := d.Range(rg[0], rg[1]).(io.WriterTo).WriteTo(&viaWriteTo); err != nil {
			t.Fatalf("%v: %v", rg, err)
		}
		viaRead, err := io.ReadAll(d.Range(rg[0], rg[1]))
		if err != nil {
			t.Fatalf("%v: %v", rg, err)
		}
		want := plain[rg[0] : rg[0]+rg[1]]
		if !bytes.Equal(viaWriteTo.Bytes(), want) || !bytes.Equal(viaRead, want) {
			t.Errorf("range %v differs", rg)
		}
	}
	bad := append([]byte{}, sealed...)
	bad[len(bad)-20] ^= 1
	d, _ := Open(key, bytes.NewReader(bad), int64(len(plain)))
	if _, err := d.Range(0, int64(len(plain))).(io.WriterTo).WriteTo(io.Discard); err != ErrCorrupt {
		t.Errorf("tampered stream: %v", err)
	}
}
