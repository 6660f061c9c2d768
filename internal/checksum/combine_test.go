package checksum

import (
	"bytes"
	"math/rand"
	"testing"
)

func TestCombine(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, a := range []Algorithm{CRC32, CRC32C, CRC64NVME} {
		for _, sizes := range [][2]int{{0, 0}, {1, 0}, {0, 5}, {3, 7}, {1000, 1}, {4096, 65537}} {
			x := make([]byte, sizes[0])
			y := make([]byte, sizes[1])
			rng.Read(x)
			rng.Read(y)
			sum := func(b []byte) []byte { h := a.New(); h.Write(b); return h.Sum(nil) }
			got, err := a.Combine(sum(x), sum(y), int64(len(y)))
			if err != nil {
				t.Fatal(err)
			}
			if want := sum(append(x, y...)); !bytes.Equal(got, want) {
				t.Errorf("%s %v: Combine = %x, want %x", a, sizes, got, want)
			}
		}
	}
	if SHA256.Combinable() {
		t.Error("SHA256 is not combinable")
	}
}
