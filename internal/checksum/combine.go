package checksum

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
)

// Reversed polynomials of the CRCs that can be combined.
var polys = map[Algorithm]struct {
	poly  uint64
	width int
}{
	CRC32:     {0xedb88320, 32},
	CRC32C:    {0x82f63b78, 32},
	CRC64NVME: {0x9a6c9329ac4bc9b5, 64},
}

// Combinable reports whether whole-object checksums of a can be computed
// from the checksums of its parts (S3's FULL_OBJECT checksum type).
func (a Algorithm) Combinable() bool { _, ok := polys[a]; return ok }

// Combine returns the checksum of A‖B given the raw (big-endian) checksums
// of A and of B and the length of B. It is zlib's crc32_combine, made
// generic over the reflected CRCs S3 uses: appending len2 zero bytes to A is
// a linear map on the CRC register, applied by repeated squaring.
func (a Algorithm) Combine(sum1, sum2 []byte, len2 int64) ([]byte, error) {
	p, ok := polys[a]
	if !ok {
		return nil, fmt.Errorf("checksum: %s cannot be combined", a)
	}
	n := p.width / 8
	if len(sum1) != n || len(sum2) != n {
		return nil, fmt.Errorf("checksum: %s digests are %d bytes", a, n)
	}
	read := func(b []byte) uint64 {
		if n == 4 {
			return uint64(binary.BigEndian.Uint32(b))
		}
		return binary.BigEndian.Uint64(b)
	}
	crc1, crc2 := read(sum1), read(sum2)
	if len2 > 0 {
		odd := make([]uint64, p.width) // the operator for one zero bit
		even := make([]uint64, p.width)
		odd[0] = p.poly
		for i, row := 1, uint64(1); i < p.width; i, row = i+1, row<<1 {
			odd[i] = row
		}
		square(even, odd) // two zero bits
		square(odd, even) // four zero bits
		for {
			square(even, odd) // first pass: one zero byte
			if len2&1 != 0 {
				crc1 = times(even, crc1)
			}
			if len2 >>= 1; len2 == 0 {
				break
			}
			square(odd, even)
			if len2&1 != 0 {
				crc1 = times(odd, crc1)
			}
			if len2 >>= 1; len2 == 0 {
				break
			}
		}
	}
	out := make([]byte, n)
	if n == 4 {
		binary.BigEndian.PutUint32(out, uint32(crc1^crc2))
	} else {
		binary.BigEndian.PutUint64(out, crc1^crc2)
	}
	return out, nil
}

func times(mat []uint64, vec uint64) uint64 {
	var sum uint64
	for i := 0; vec != 0; i, vec = i+1, vec>>1 {
		if vec&1 != 0 {
			sum ^= mat[i]
		}
	}
	return sum
}

func square(dst, mat []uint64) {
	for i := range mat {
		dst[i] = times(mat, mat[i])
	}
}

// Decode parses a base64 digest of a, or returns false.
func (a Algorithm) Decode(value string) ([]byte, bool) {
	b, err := base64.StdEncoding.DecodeString(value)
	if err != nil || len(b) != a.Size() {
		return nil, false
	}
	return b, true
}
