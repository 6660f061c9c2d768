package front

import (
	"errors"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/sigv4"
)

// Each protocol names signature failures its own way: S3 says
// InvalidAccessKeyId where STS says InvalidClientTokenId and Cognito says
// UnrecognizedClientException.

func s3AuthError(err error) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case sigv4.KindMalformedHeader:
		return awserr.New(400, "AuthorizationHeaderMalformed", "The authorization header is malformed; "+e.Msg)
	case sigv4.KindMalformedQuery:
		return awserr.New(400, "AuthorizationQueryParametersError", e.Msg)
	case sigv4.KindSignatureMismatch, sigv4.KindChunkSignature:
		return awserr.New(403, "SignatureDoesNotMatch", e.Msg)
	case sigv4.KindUnknownKey:
		return awserr.New(403, "InvalidAccessKeyId", e.Msg)
	case sigv4.KindInvalidToken:
		return awserr.New(400, "InvalidToken", e.Msg)
	case sigv4.KindExpiredToken:
		return awserr.New(400, "ExpiredToken", e.Msg)
	case sigv4.KindSkewed:
		return awserr.New(403, "RequestTimeTooSkewed", e.Msg)
	case sigv4.KindExpired, sigv4.KindNotYetValid, sigv4.KindMissingDate, sigv4.KindHeadersNotSigned:
		return awserr.New(403, "AccessDenied", e.Msg)
	case sigv4.KindContentSHA256Mismatch:
		return awserr.New(400, "XAmzContentSHA256Mismatch", e.Msg)
	case sigv4.KindInvalidContentSHA256:
		return awserr.New(400, "InvalidArgument", e.Msg)
	case sigv4.KindIncompleteBody:
		return awserr.New(400, "IncompleteBody", e.Msg)
	case sigv4.KindBadDigest:
		return awserr.New(400, "BadDigest", e.Msg)
	case sigv4.KindMalformedV2Header:
		return awserr.New(400, "InvalidArgument", e.Msg)
	}
	return awserr.New(400, "InvalidRequest", e.Msg)
}

func queryAuthError(err error) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case sigv4.KindSignatureMismatch:
		return awserr.New(403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case sigv4.KindUnknownKey, sigv4.KindInvalidToken:
		return awserr.New(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	case sigv4.KindExpiredToken:
		return awserr.New(403, "ExpiredToken", "The security token included in the request is expired")
	case sigv4.KindSkewed:
		return awserr.New(403, "RequestTimeTooSkewed", "Signature expired: the request time is more than 15 minutes away from the server time.")
	case sigv4.KindExpired, sigv4.KindNotYetValid:
		return awserr.New(403, "AccessDenied", e.Msg)
	case sigv4.KindMalformedHeader, sigv4.KindMalformedQuery, sigv4.KindMissingDate:
		return awserr.New(400, "IncompleteSignature", e.Msg)
	case sigv4.KindContentSHA256Mismatch:
		return awserr.New(400, "InvalidRequest", e.Msg)
	}
	return awserr.New(400, "InvalidRequest", e.Msg)
}

func jsonAuthError(err error) error {
	var e *sigv4.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case sigv4.KindSignatureMismatch:
		return awserr.New(400, "InvalidSignatureException", "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.")
	case sigv4.KindUnknownKey, sigv4.KindInvalidToken:
		return awserr.New(400, "UnrecognizedClientException", "The security token included in the request is invalid.")
	case sigv4.KindExpiredToken:
		return awserr.New(400, "ExpiredTokenException", "The security token included in the request is expired")
	case sigv4.KindSkewed:
		return awserr.New(400, "InvalidSignatureException", "Signature expired: the request time is more than 15 minutes away from the server time.")
	case sigv4.KindExpired, sigv4.KindNotYetValid:
		return awserr.New(403, "AccessDeniedException", e.Msg)
	case sigv4.KindMalformedHeader, sigv4.KindMalformedQuery, sigv4.KindMissingDate:
		return awserr.New(400, "IncompleteSignatureException", e.Msg)
	}
	return awserr.New(400, "InvalidRequest", e.Msg)
}
