package s3

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/objcrypt"
	"github.com/sekisho/sekisho/internal/store"
)

// Server-side encryption.
//
// Every encrypted object has its own random data key; its bytes are an
// objcrypt stream under that key (a multipart object's parts each are one,
// under the upload's key). The data key is kept in the object's record,
// wrapped:
//
//   - SSE-S3 ("AES256") and SSE-KMS ("aws:kms", with the account's
//     built-in aws/s3 key): sealed under the server's master key, bound to
//     the bucket, key and algorithm it was made for.
//   - SSE-C: encrypted under the customer's key, which is never stored;
//     only its MD5 is, to tell a wrong key from a right one. Without the
//     customer's key the data key, hence the object, cannot be read.

// ConfigEncryption is the bucket configuration document holding the
// default encryption (PutBucketEncryption), as JSON.
const ConfigEncryption = "encryption"

// CustomerKey is an SSE-C key a request carries (already checked against
// its MD5 header by the front).
type CustomerKey struct {
	Key []byte // 32 bytes
	MD5 string // base64 MD5 of Key
}

// SSERequest is what a write asks of server-side encryption.
type SSERequest struct {
	// Algorithm is x-amz-server-side-encryption: "", "AES256" or
	// "aws:kms".
	Algorithm string
	// KMSKeyID is x-amz-server-side-encryption-aws-kms-key-id.
	KMSKeyID string
	// BucketKeyEnabled is x-amz-server-side-encryption-bucket-key-enabled.
	BucketKeyEnabled *bool
	// Customer is the SSE-C key, if any.
	Customer *CustomerKey
}

// IsZero reports whether the request asks nothing.
func (r SSERequest) IsZero() bool {
	return r.Algorithm == "" && r.KMSKeyID == "" && r.BucketKeyEnabled == nil && r.Customer == nil
}

// BucketEncryption is a bucket's default encryption.
type BucketEncryption struct {
	Algorithm        string // "AES256" or "aws:kms"
	KMSKeyID         string `json:",omitempty"`
	BucketKeyEnabled bool   `json:",omitempty"`
}

func errNoEncryption(bucket string) error {
	return awserr.New(404, "ServerSideEncryptionConfigurationNotFoundError", "The server side encryption configuration was not found").With("BucketName", bucket)
}

// PutBucketEncryption sets a bucket's default encryption.
func (s *Service) PutBucketEncryption(ctx context.Context, bucket string, c BucketEncryption) error {
	switch c.Algorithm {
	case "AES256":
		if c.KMSKeyID != "" {
			return awserr.New(400, "InvalidArgument", "a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms or aws:kms:dsse").With("ArgumentName", "ApplyServerSideEncryptionByDefault")
		}
	case "aws:kms":
		// S3 takes any key id here; a write names an unknown one with
		// KMS.NotFoundException, as it does a request's own key.
	case "aws:kms:dsse":
		return awserr.New(501, "NotImplemented", "sekisho does not implement dual-layer SSE-KMS (aws:kms:dsse); use AES256 or aws:kms.")
	default:
		return errMalformedXML()
	}
	v, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return s.setConfig(ctx, bucket, ConfigEncryption, string(v), nil)
}

// GetBucketEncryption returns a bucket's default encryption, or
// ServerSideEncryptionConfigurationNotFoundError.
func (s *Service) GetBucketEncryption(ctx context.Context, bucket string) (BucketEncryption, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return BucketEncryption{}, err
	}
	c, ok, err := bucketEncryption(b)
	if err == nil && !ok {
		err = errNoEncryption(bucket)
	}
	return c, err
}

// DeleteBucketEncryption removes a bucket's default encryption.
func (s *Service) DeleteBucketEncryption(ctx context.Context, bucket string) error {
	return s.setConfig(ctx, bucket, ConfigEncryption, "", nil)
}

func bucketEncryption(b store.Bucket) (BucketEncryption, bool, error) {
	v := b.Config[ConfigEncryption]
	if v == "" {
		return BucketEncryption{}, false, nil
	}
	var c BucketEncryption
	if err := json.Unmarshal([]byte(v), &c); err != nil {
		return c, false, fmt.Errorf("s3: bucket %s: encryption configuration: %w", b.Name, err)
	}
	return c, true, nil
}

// kmsKey returns the ARN of the KMS key id names for a bucket: only the
// owner's built-in aws/s3 key exists.
func (s *Service) kmsKey(b store.Bucket, id string) (string, error) {
	region := b.Region
	if region == "" {
		region = s.Region
	}
	keyID := s.awsS3KeyID(b.Owner)
	arn := fmt.Sprintf("arn:aws:kms:%s:%s:key/%s", region, b.Owner, keyID)
	switch id {
	case "", "alias/aws/s3", keyID, arn, fmt.Sprintf("arn:aws:kms:%s:%s:alias/aws/s3", region, b.Owner):
		return arn, nil
	}
	return "", awserr.Newf(400, "KMS.NotFoundException", "Invalid keyId %s", id)
}

// awsS3KeyID is the id of an account's built-in aws/s3 KMS key: a UUID
// stable for the account and the server.
func (s *Service) awsS3KeyID(account string) string {
	var d []byte
	if s.Keys != nil {
		d = s.Keys.Derive("s3 aws/s3 kms key id", []byte(account))
	} else {
		sum := sha256.Sum256([]byte("aws/s3 " + account))
		d = sum[:]
	}
	d[6] = d[6]&0x0f | 0x40
	d[8] = d[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", d[0:4], d[4:6], d[6:8], d[8:10], d[10:16])
}

// sealPurpose binds a sealed data key to where it may be used.
func sealPurpose(e *store.Encryption) string {
	return "s3 object data key\x00" + e.Algorithm + "\x00" + e.KMSKeyID
}

// newEncryption decides how a new object (or upload) in bucket b is
// encrypted: SSE-C if the request carries a customer key, else the
// request's algorithm, else the bucket's default, else not at all. It
// returns the record's Encryption (nil: none) and the plain data key.
func (s *Service) newEncryption(b store.Bucket, req SSERequest) (*store.Encryption, []byte, error) {
	if req.Customer != nil {
		if req.Algorithm != "" || req.KMSKeyID != "" {
			return nil, nil, awserr.New(400, "InvalidArgument", "Server Side Encryption with Customer provided key is incompatible with the encryption method specified").With("ArgumentName", "x-amz-server-side-encryption")
		}
		key := objcrypt.NewKey()
		wrapped, err := wrapCustomer(req.Customer.Key, key)
		if err != nil {
			return nil, nil, err
		}
		return &store.Encryption{CustomerKeyMD5: req.Customer.MD5, Key: wrapped}, key, nil
	}
	e := &store.Encryption{Algorithm: req.Algorithm}
	if req.BucketKeyEnabled != nil {
		e.BucketKeyEnabled = *req.BucketKeyEnabled
	}
	if e.Algorithm == "" {
		def, ok, err := bucketEncryption(b)
		if err != nil {
			return nil, nil, err
		}
		if !ok {
			if req.KMSKeyID != "" {
				return nil, nil, errKMSKeyWithoutKMS()
			}
			return nil, nil, nil
		}
		e.Algorithm, e.BucketKeyEnabled = def.Algorithm, def.BucketKeyEnabled || e.BucketKeyEnabled
		if req.KMSKeyID == "" {
			req.KMSKeyID = def.KMSKeyID
		}
	}
	switch e.Algorithm {
	case "AES256":
		if req.KMSKeyID != "" {
			return nil, nil, errKMSKeyWithoutKMS()
		}
		e.BucketKeyEnabled = false
	case "aws:kms":
		arn, err := s.kmsKey(b, req.KMSKeyID)
		if err != nil {
			return nil, nil, err
		}
		e.KMSKeyID = arn
	case "aws:kms:dsse":
		return nil, nil, awserr.New(501, "NotImplemented", "sekisho does not implement dual-layer SSE-KMS (aws:kms:dsse); use AES256 or aws:kms.")
	default:
		return nil, nil, awserr.New(400, "InvalidArgument", "The encryption method specified is not supported").With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", e.Algorithm)
	}
	if s.Keys == nil {
		return nil, nil, awserr.New(501, "NotImplemented", "Server-side encryption is not configured on this server.")
	}
	key := objcrypt.NewKey()
	e.Key = s.Keys.Seal(sealPurpose(e), key)
	return e, key, nil
}

func errKMSKeyWithoutKMS() error {
	return awserr.New(400, "InvalidArgument", "Server Side Encryption with AWS KMS managed key requires HTTP header x-amz-server-side-encryption : aws:kms").With("ArgumentName", "x-amz-server-side-encryption-aws-kms-key-id")
}

// errSSECRequired: an SSE-C object read without its key.
func errSSECRequired() error {
	return awserr.New(400, "InvalidRequest", "The object was stored using a form of Server Side Encryption. The correct parameters must be provided to retrieve the object.")
}

// readKey returns the data key of an object or upload encrypted as e
// (nil if e is nil), given the request's customer key. An SSE-C object
// needs the right key; any other refuses one.
func (s *Service) readKey(e *store.Encryption, ck *CustomerKey) ([]byte, error) {
	if e == nil || e.CustomerKeyMD5 == "" {
		if ck != nil {
			return nil, awserr.New(400, "InvalidRequest", "The encryption parameters are not applicable to this object.")
		}
		if e == nil {
			return nil, nil
		}
		if s.Keys == nil {
			return nil, fmt.Errorf("s3: an encrypted object, and no master key")
		}
		key, err := s.Keys.Open(sealPurpose(e), e.Key)
		if err != nil {
			return nil, fmt.Errorf("s3: unseal object data key: %w", err)
		}
		return key, nil
	}
	if ck == nil {
		return nil, errSSECRequired()
	}
	if subtle.ConstantTimeCompare([]byte(ck.MD5), []byte(e.CustomerKeyMD5)) != 1 {
		return nil, awserr.New(403, "AccessDenied", "Access Denied")
	}
	key, err := unwrapCustomer(ck.Key, e.Key)
	if err != nil {
		return nil, awserr.New(403, "AccessDenied", "Access Denied")
	}
	return key, nil
}

// wrapCustomer encrypts a data key under an SSE-C key with AES-256-GCM.
func wrapCustomer(ck, key []byte) (string, error) {
	aead, err := customerAEAD(ck)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(aead.Seal(nonce, nonce, key, []byte("sekisho sse-c data key"))), nil
}

func unwrapCustomer(ck []byte, wrapped string) ([]byte, error) {
	aead, err := customerAEAD(ck)
	if err != nil {
		return nil, err
	}
	b, err := base64.StdEncoding.DecodeString(wrapped)
	if err != nil || len(b) < aead.NonceSize() {
		return nil, objcrypt.ErrCorrupt
	}
	return aead.Open(nil, b[:aead.NonceSize()], b[aead.NonceSize():], []byte("sekisho sse-c data key"))
}

func customerAEAD(ck []byte) (cipher.AEAD, error) {
	if len(ck) != 32 {
		return nil, awserr.New(400, "InvalidArgument", "The secret key was invalid for the specified algorithm.")
	}
	block, err := aes.NewCipher(ck)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// ParseCustomerKey checks SSE-C header values (algorithm, base64 key,
// base64 key MD5) as S3 does and returns the key; nil if none of the
// three is set. prefix names the headers in errors ("x-amz-" or
// "x-amz-copy-source-").
func ParseCustomerKey(alg, key, keyMD5, prefix string) (*CustomerKey, error) {
	if alg == "" && key == "" && keyMD5 == "" {
		return nil, nil
	}
	arg := func(msg, name string) error {
		return awserr.New(400, "InvalidArgument", msg).With("ArgumentName", prefix+name)
	}
	if alg == "" {
		return nil, arg("Requests specifying Server Side Encryption with Customer provided keys must provide a valid encryption algorithm.", "server-side-encryption-customer-algorithm")
	}
	if alg != "AES256" {
		return nil, awserr.New(400, "InvalidEncryptionAlgorithmError", "The encryption request you specified is not valid. Supported value: AES256.").With("ArgumentName", prefix+"server-side-encryption-customer-algorithm").With("ArgumentValue", alg)
	}
	if key == "" {
		return nil, arg("Requests specifying Server Side Encryption with Customer provided keys must provide an appropriate secret key.", "server-side-encryption-customer-key")
	}
	k, err := base64.StdEncoding.DecodeString(key)
	if err != nil || len(k) != 32 {
		return nil, arg("The secret key was invalid for the specified algorithm.", "server-side-encryption-customer-key")
	}
	if keyMD5 == "" {
		return nil, arg("Requests specifying Server Side Encryption with Customer provided keys must provide the client calculated MD5 of the secret key.", "server-side-encryption-customer-key-MD5")
	}
	sum := md5.Sum(k)
	want, err := base64.StdEncoding.DecodeString(keyMD5)
	if err != nil || subtle.ConstantTimeCompare(sum[:], want) != 1 {
		return nil, arg("The calculated MD5 hash of the key did not match the hash that was provided.", "server-side-encryption-customer-key-MD5")
	}
	return &CustomerKey{Key: k, MD5: base64.StdEncoding.EncodeToString(sum[:])}, nil
}

// opaqueETag makes w's ETag that of an object or part encrypted as e: for
// SSE-C and SSE-KMS, as in S3, not the MD5 of the plaintext (which would
// let anyone holding the record test guesses of the contents) but a keyed
// digest of it; SSE-S3 and plain objects keep the MD5.
func opaqueETag(w *written, e *store.Encryption, key []byte) {
	if e != nil && (e.CustomerKeyMD5 != "" || e.Algorithm == "aws:kms") {
		w.md5 = encryptedETag(key, w.md5)
	}
}

func encryptedETag(key, plainMD5 []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("sekisho etag\x00"))
	m.Write(plainMD5)
	return m.Sum(nil)[:md5.Size]
}

// sealBytes encrypts a small plaintext held in memory.
func sealBytes(key, plain []byte) ([]byte, error) {
	r, err := objcrypt.Encrypt(key, bytes.NewReader(plain))
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// sameEncryption reports whether an object encrypted as e may keep its
// stored bytes when rewritten under request req: only when neither
// encrypts (a metadata-only self-copy of an encrypted object re-encrypts
// it, under a fresh data key).
func sameEncryption(e *store.Encryption, req SSERequest) bool {
	return e == nil && req.IsZero()
}

// EncryptionStatus is the ServerSideEncryption a response reports for e.
func EncryptionStatus(e *store.Encryption) string {
	if e == nil || e.CustomerKeyMD5 != "" {
		return ""
	}
	return e.Algorithm
}
