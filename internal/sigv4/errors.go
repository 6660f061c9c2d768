package sigv4

import "fmt"

// Kind classifies a verification failure. The HTTP front turns each Kind
// into the code and status of the protocol being spoken (S3 says
// InvalidAccessKeyId where STS says InvalidClientTokenId).
type Kind int

// The failure kinds.
const (
	// KindMalformedHeader: the Authorization header cannot be parsed, or its
	// credential scope is inconsistent.
	KindMalformedHeader Kind = iota + 1
	// KindMalformedQuery: presigned-URL query parameters are missing or
	// invalid.
	KindMalformedQuery
	// KindUnsupported: a signing scheme this server does not accept.
	KindUnsupported
	// KindSignatureMismatch: the signature does not verify.
	KindSignatureMismatch
	// KindUnknownKey: no credential has the access key id.
	KindUnknownKey
	// KindInvalidToken: the session token is missing, forged or malformed.
	KindInvalidToken
	// KindExpiredToken: the session token has expired.
	KindExpiredToken
	// KindSkewed: the request time is more than MaxSkew from the server's.
	KindSkewed
	// KindExpired: a presigned URL has expired.
	KindExpired
	// KindNotYetValid: a presigned URL's signing time is in the future.
	KindNotYetValid
	// KindMissingDate: neither X-Amz-Date nor Date is present or parseable.
	KindMissingDate
	// KindContentSHA256Mismatch: the body does not hash to the signed
	// x-amz-content-sha256.
	KindContentSHA256Mismatch
	// KindInvalidContentSHA256: x-amz-content-sha256 is neither a hex
	// digest nor a known streaming mode.
	KindInvalidContentSHA256
	// KindMissingContentSHA256: an S3 request signed in the header lacks
	// x-amz-content-sha256.
	KindMissingContentSHA256
	// KindHeadersNotSigned: x-amz-* headers present but not signed.
	KindHeadersNotSigned
	// KindChunkSignature: an aws-chunked chunk or trailer signature does not
	// verify.
	KindChunkSignature
	// KindMalformedChunk: aws-chunked framing is broken.
	KindMalformedChunk
	// KindIncompleteBody: the body is shorter or longer than declared.
	KindIncompleteBody
	// KindBadDigest: a trailing checksum does not match the body.
	KindBadDigest
	// KindInvalidTrailer: the trailer names an unsupported checksum or
	// carries a malformed value.
	KindInvalidTrailer
	// KindMalformedV2Header: a SigV2 Authorization header is not
	// "AWS AccessKeyId:Signature".
	KindMalformedV2Header
)

// Error is a verification failure.
type Error struct {
	Kind Kind
	// Msg is the client-facing message, in AWS's words where AWS has them.
	Msg string
}

func (e *Error) Error() string { return "sigv4: " + e.Msg }

func errorf(k Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}
