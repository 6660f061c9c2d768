// Package checksum implements the flexible checksums S3 accepts in
// x-amz-checksum-* headers and aws-chunked trailers: CRC32, CRC32C,
// CRC64NVME, SHA1 and SHA256. Values travel base64-encoded, big-endian.
package checksum

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"hash/crc32"
	"hash/crc64"
	"strings"
)

// Algorithm names a checksum algorithm as S3 spells it.
type Algorithm string

// The algorithms S3 supports.
const (
	CRC32     Algorithm = "CRC32"
	CRC32C    Algorithm = "CRC32C"
	CRC64NVME Algorithm = "CRC64NVME"
	SHA1      Algorithm = "SHA1"
	SHA256    Algorithm = "SHA256"
)

// Algorithms lists every supported algorithm.
var Algorithms = []Algorithm{CRC32, CRC32C, CRC64NVME, SHA1, SHA256}

var (
	castagnoli = crc32.MakeTable(crc32.Castagnoli)
	nvme       = crc64.MakeTable(0x9a6c9329ac4bc9b5)
)

// Parse returns the algorithm named by s (case-insensitive), or false.
func Parse(s string) (Algorithm, bool) {
	u := Algorithm(strings.ToUpper(s))
	for _, a := range Algorithms {
		if a == u {
			return a, true
		}
	}
	return "", false
}

// FromHeader returns the algorithm of a header name such as
// "x-amz-checksum-crc32c", or false.
func FromHeader(name string) (Algorithm, bool) {
	name = strings.ToLower(name)
	if !strings.HasPrefix(name, "x-amz-checksum-") {
		return "", false
	}
	return Parse(strings.TrimPrefix(name, "x-amz-checksum-"))
}

// Header returns the header name carrying a checksum of this algorithm.
func (a Algorithm) Header() string { return "x-amz-checksum-" + strings.ToLower(string(a)) }

// New returns a fresh hash for the algorithm.
func (a Algorithm) New() hash.Hash {
	switch a {
	case CRC32:
		return crc32.NewIEEE()
	case CRC32C:
		return crc32.New(castagnoli)
	case CRC64NVME:
		return crc64.New(nvme)
	case SHA1:
		return sha1.New()
	case SHA256:
		return sha256.New()
	}
	panic("checksum: unknown algorithm " + string(a))
}

// Size is the length in bytes of the algorithm's digest.
func (a Algorithm) Size() int { return a.New().Size() }

// Encode renders a digest the way S3 does (standard base64).
func Encode(sum []byte) string { return base64.StdEncoding.EncodeToString(sum) }

// Valid reports whether value is a well-formed base64 digest for a.
func (a Algorithm) Valid(value string) bool {
	b, err := base64.StdEncoding.DecodeString(value)
	return err == nil && len(b) == a.Size()
}
