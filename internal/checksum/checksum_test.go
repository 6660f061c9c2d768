package checksum

import (
	"encoding/hex"
	"testing"
)

// The check values of each algorithm over "123456789", from the CRC
// catalogue and the SHA specifications.
func TestCheckValues(t *testing.T) {
	want := map[Algorithm]string{
		CRC32:     "cbf43926",
		CRC32C:    "e3069283",
		CRC64NVME: "ae8b14860a799888",
		SHA1:      "f7c3bc1d808e04732adf679965ccc34ca7ae3441",
		SHA256:    "15e2b0d3c33891ebb0f1ef609ec419420c20e320ce94c65fbc8c3312448eb225",
	}
	for a, w := range want {
		h := a.New()
		h.Write([]byte("123456789"))
		if got := hex.EncodeToString(h.Sum(nil)); got != w {
			t.Errorf("%s = %s, want %s", a, got, w)
		}
	}
}

func TestHeaderNames(t *testing.T) {
	for _, a := range Algorithms {
		b, ok := FromHeader(a.Header())
		if !ok || b != a {
			t.Errorf("FromHeader(%q) = %v, %v", a.Header(), b, ok)
		}
	}
	if _, ok := FromHeader("x-amz-checksum-md5"); ok {
		t.Error("md5 accepted")
	}
}
