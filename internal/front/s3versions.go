package front

import (
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

// Versioning, object lock and server-side encryption on the wire: the
// request headers they read and the response headers they write, and the
// bucket and object configuration calls.

// versionActions are the IAM actions an object operation needs instead
// of its own when the request names a version (?versionId=).
var versionActions = map[string]string{
	"s3:GetObject":           "s3:GetObjectVersion",
	"s3:DeleteObject":        "s3:DeleteObjectVersion",
	"s3:GetObjectTagging":    "s3:GetObjectVersionTagging",
	"s3:PutObjectTagging":    "s3:PutObjectVersionTagging",
	"s3:DeleteObjectTagging": "s3:DeleteObjectVersionTagging",
	"s3:GetObjectAcl":        "s3:GetObjectVersionAcl",
	"s3:PutObjectAcl":        "s3:PutObjectVersionAcl",
	"s3:GetObjectAttributes": "s3:GetObjectVersionAttributes",
}

// sseRequest reads a write's x-amz-server-side-encryption-* headers.
func sseRequest(r *http.Request) (s3.SSERequest, error) {
	req := s3.SSERequest{
		Algorithm: r.Header.Get("x-amz-server-side-encryption"),
		KMSKeyID:  r.Header.Get("x-amz-server-side-encryption-aws-kms-key-id"),
	}
	if v := r.Header.Get("x-amz-server-side-encryption-bucket-key-enabled"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return req, awserr.New(400, "InvalidArgument", "x-amz-server-side-encryption-bucket-key-enabled must be true or false").With("ArgumentName", "x-amz-server-side-encryption-bucket-key-enabled").With("ArgumentValue", v)
		}
		req.BucketKeyEnabled = &b
	}
	switch req.Algorithm {
	case "", "AES256", "aws:kms", "aws:kms:dsse":
	default:
		return req, awserr.New(400, "InvalidArgument", "The encryption method specified is not supported").With("ArgumentName", "x-amz-server-side-encryption").With("ArgumentValue", req.Algorithm)
	}
	ck, err := customerKey(r, "x-amz-")
	req.Customer = ck
	return req, err
}

// customerKey reads SSE-C headers: prefix "x-amz-" for the object's,
// "x-amz-copy-source-" for a copy's source.
func customerKey(r *http.Request, prefix string) (*s3.CustomerKey, error) {
	return s3.ParseCustomerKey(
		r.Header.Get(prefix+"server-side-encryption-customer-algorithm"),
		r.Header.Get(prefix+"server-side-encryption-customer-key"),
		r.Header.Get(prefix+"server-side-encryption-customer-key-MD5"), prefix)
}

// setSSEHeaders reports how an object or upload is encrypted.
func setSSEHeaders(hd http.Header, e *store.Encryption) {
	if e == nil {
		return
	}
	if e.CustomerKeyMD5 != "" {
		hd.Set("x-amz-server-side-encryption-customer-algorithm", "AES256")
		hd["x-amz-server-side-encryption-customer-key-MD5"] = []string{e.CustomerKeyMD5}
		return
	}
	hd.Set("x-amz-server-side-encryption", e.Algorithm)
	if e.KMSKeyID != "" {
		hd.Set("x-amz-server-side-encryption-aws-kms-key-id", e.KMSKeyID)
	}
	if e.BucketKeyEnabled {
		hd.Set("x-amz-server-side-encryption-bucket-key-enabled", "true")
	}
}

// setVersionHeader reports a version id, if the object has one.
func setVersionHeader(hd http.Header, id string) {
	if id != "" {
		hd.Set("x-amz-version-id", id)
	}
}

// setLockHeaders reports a version's object lock.
func setLockHeaders(hd http.Header, o store.Object) {
	if o.Retention != nil {
		hd.Set("x-amz-object-lock-mode", o.Retention.Mode)
		hd.Set("x-amz-object-lock-retain-until-date", o.Retention.Until.UTC().Format(time.RFC3339))
	}
	if o.LegalHold {
		hd.Set("x-amz-object-lock-legal-hold", "ON")
	}
}

// lockRequest reads a write's x-amz-object-lock-* headers.
func lockRequest(r *http.Request) (s3.LockRequest, error) {
	l := s3.LockRequest{Mode: r.Header.Get("x-amz-object-lock-mode"), LegalHold: r.Header.Get("x-amz-object-lock-legal-hold")}
	if v := r.Header.Get("x-amz-object-lock-retain-until-date"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return l, awserr.New(400, "InvalidArgument", "The retain until date must be provided in ISO 8601 format").With("ArgumentName", "x-amz-object-lock-retain-until-date").With("ArgumentValue", v)
		}
		l.Until = t
	}
	return l, nil
}

// bypassGovernance reads x-amz-bypass-governance-retention and, when it
// is set, checks that the caller may bypass (s3:BypassGovernanceRetention).
func (h *Handler) bypassGovernance(q *s3Request) (bool, error) {
	if !strings.EqualFold(q.r.Header.Get("x-amz-bypass-governance-retention"), "true") {
		return false, nil
	}
	key := q.route.Key
	res := bucketARN(q.route.Bucket)
	if key != "" {
		res = objectARN(q.route.Bucket, key)
	}
	if err := h.authorizeS3(q, "s3:BypassGovernanceRetention", q.route.Bucket, res); err != nil {
		return false, err
	}
	return true, nil
}

type xmlVersioning struct {
	XMLName   xml.Name `xml:"VersioningConfiguration"`
	Xmlns     string   `xml:"xmlns,attr,omitempty"`
	Status    string   `xml:"Status,omitempty"`
	MfaDelete string   `xml:"MfaDelete,omitempty"`
}

func (h *Handler) s3GetBucketVersioning(q *s3Request) error {
	st, err := h.cfg.S3.GetBucketVersioning(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	x := xmlVersioning{Xmlns: s3Xmlns, Status: st}
	if st != "" {
		x.MfaDelete = "Disabled"
	}
	return writeS3XML(q.w, x)
}

func (h *Handler) s3PutBucketVersioning(q *s3Request) error {
	var x xmlVersioning
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if q.r.Header.Get("x-amz-mfa") != "" && x.MfaDelete == "" {
		x.MfaDelete = "Enabled"
	}
	if err := h.cfg.S3.PutBucketVersioning(q.r.Context(), q.route.Bucket, x.Status, x.MfaDelete); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3ListObjectVersions(q *s3Request) error {
	maxKeys, err := intParam(q, "max-keys", 1000)
	if err != nil {
		return err
	}
	in := s3.VersionListInput{
		Bucket: q.route.Bucket, Prefix: q.get("prefix"), Delimiter: q.get("delimiter"),
		KeyMarker: q.get("key-marker"), VersionIDMarker: q.get("version-id-marker"), MaxKeys: maxKeys,
	}
	encType, enc, err := s3Encoder(q)
	if err != nil {
		return err
	}
	out, err := h.cfg.S3.ListObjectVersions(q.r.Context(), in)
	if err != nil {
		return err
	}
	type prefix struct {
		Prefix string `xml:"Prefix"`
	}
	res := struct {
		XMLName             xml.Name `xml:"ListVersionsResult"`
		Xmlns               string   `xml:"xmlns,attr"`
		Name                string   `xml:"Name"`
		Prefix              string   `xml:"Prefix"`
		KeyMarker           string   `xml:"KeyMarker"`
		VersionIDMarker     string   `xml:"VersionIdMarker"`
		NextKeyMarker       string   `xml:"NextKeyMarker,omitempty"`
		NextVersionIDMarker string   `xml:"NextVersionIdMarker,omitempty"`
		MaxKeys             int      `xml:"MaxKeys"`
		Delimiter           string   `xml:"Delimiter,omitempty"`
		EncodingType        string   `xml:"EncodingType,omitempty"`
		IsTruncated         bool     `xml:"IsTruncated"`
		// Entries are the Version and DeleteMarker elements, written by
		// appendVersion: the listing's bulk, where encoding/xml's
		// reflection was most of the handler's cost.
		Entries        []byte   `xml:",innerxml"`
		CommonPrefixes []prefix `xml:"CommonPrefixes"`
	}{
		Xmlns: s3Xmlns, Name: q.route.Bucket, Prefix: enc(in.Prefix), KeyMarker: enc(in.KeyMarker), VersionIDMarker: in.VersionIDMarker,
		MaxKeys: maxKeys, Delimiter: enc(in.Delimiter), EncodingType: encType, IsTruncated: out.IsTruncated,
	}
	if out.IsTruncated {
		res.NextKeyMarker, res.NextVersionIDMarker = enc(out.NextKeyMarker), out.NextVersionIDMarker
	}
	buf := make([]byte, 0, 400*len(out.Versions))
	for _, v := range out.Versions {
		buf = appendVersion(buf, out.Bucket, v, enc)
	}
	res.Entries = buf
	for _, p := range out.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, prefix{enc(p)})
	}
	return writeS3XML(q.w, res)
}

// appendVersion appends one entry of a version listing to buf, as
// encoding/xml would render it.
func appendVersion(buf []byte, b store.Bucket, v s3.ListedVersion, enc func(string) string) []byte {
	text := func(name, value string) {
		buf = append(buf, '<')
		buf = append(buf, name...)
		buf = append(buf, '>')
		if strings.ContainsAny(value, "<>&'\"\r\n\t") || !utf8.ValidString(value) {
			w := appendWriter{&buf}
			xml.EscapeText(w, []byte(value))
		} else {
			buf = append(buf, value...)
		}
		buf = append(buf, "</"...)
		buf = append(buf, name...)
		buf = append(buf, '>')
	}
	elem := "Version"
	if v.DeleteMarker {
		elem = "DeleteMarker"
	}
	id := s3.ReportedVersion(b, v.Object)
	if id == "" {
		id = "null"
	}
	buf = append(buf, "<"+elem+">"...)
	text("Key", enc(v.Key))
	text("VersionId", id)
	text("IsLatest", strconv.FormatBool(v.IsLatest))
	text("LastModified", s3Time(v.Modified))
	if !v.DeleteMarker {
		text("ETag", v.ETag)
		text("Size", strconv.FormatInt(v.Size, 10))
		text("StorageClass", storageClassOf(v.Headers))
	}
	buf = append(buf, "<Owner>"...)
	text("ID", b.Owner)
	buf = append(buf, "</Owner>"...)
	if !v.DeleteMarker && len(v.Checksums) > 0 {
		for a := range v.Checksums {
			text("ChecksumAlgorithm", a)
		}
		text("ChecksumType", v.ChecksumType)
	}
	return append(buf, "</"+elem+">"...)
}

// appendWriter appends what is written to a byte slice.
type appendWriter struct{ b *[]byte }

func (w appendWriter) Write(p []byte) (int, error) {
	*w.b = append(*w.b, p...)
	return len(p), nil
}

type xmlEncryption struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Rules   []struct {
		Default *struct {
			SSEAlgorithm   string `xml:"SSEAlgorithm"`
			KMSMasterKeyID string `xml:"KMSMasterKeyID,omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled *bool `xml:"BucketKeyEnabled"`
	} `xml:"Rule"`
}

func (h *Handler) s3PutBucketEncryption(q *s3Request) error {
	var x xmlEncryption
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if len(x.Rules) != 1 || x.Rules[0].Default == nil {
		return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	r := x.Rules[0]
	c := s3.BucketEncryption{Algorithm: r.Default.SSEAlgorithm, KMSKeyID: r.Default.KMSMasterKeyID}
	if r.BucketKeyEnabled != nil {
		c.BucketKeyEnabled = *r.BucketKeyEnabled
	}
	if err := h.cfg.S3.PutBucketEncryption(q.r.Context(), q.route.Bucket, c); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketEncryption(q *s3Request) error {
	c, err := h.cfg.S3.GetBucketEncryption(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	type rule struct {
		SSEAlgorithm     string `xml:"ApplyServerSideEncryptionByDefault>SSEAlgorithm"`
		KMSMasterKeyID   string `xml:"ApplyServerSideEncryptionByDefault>KMSMasterKeyID,omitempty"`
		BucketKeyEnabled bool   `xml:"BucketKeyEnabled"`
	}
	return writeS3XML(q.w, struct {
		XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
		Xmlns   string   `xml:"xmlns,attr"`
		Rule    rule     `xml:"Rule"`
	}{Xmlns: s3Xmlns, Rule: rule{c.Algorithm, c.KMSKeyID, c.BucketKeyEnabled}})
}

func (h *Handler) s3DeleteBucketEncryption(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketEncryption(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

type xmlLockConfig struct {
	XMLName           xml.Name `xml:"ObjectLockConfiguration"`
	Xmlns             string   `xml:"xmlns,attr,omitempty"`
	ObjectLockEnabled string   `xml:"ObjectLockEnabled,omitempty"`
	Rule              *struct {
		DefaultRetention struct {
			Mode  string `xml:"Mode,omitempty"`
			Days  *int   `xml:"Days,omitempty"`
			Years *int   `xml:"Years,omitempty"`
		} `xml:"DefaultRetention"`
	} `xml:"Rule,omitempty"`
}

func (h *Handler) s3PutObjectLockConfiguration(q *s3Request) error {
	var x xmlLockConfig
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if x.ObjectLockEnabled != "Enabled" {
		return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	var c s3.ObjectLockConfig
	if x.Rule != nil {
		d := x.Rule.DefaultRetention
		if d.Mode == "" || (d.Days == nil) == (d.Years == nil) {
			return malformed()
		}
		c.Mode = d.Mode
		if d.Days != nil {
			c.Days = *d.Days
			if c.Days <= 0 {
				return awserr.New(400, "InvalidArgument", "Default retention period must be a positive integer value.").With("ArgumentName", "Days")
			}
		}
		if d.Years != nil {
			c.Years = *d.Years
			if c.Years <= 0 {
				return awserr.New(400, "InvalidArgument", "Default retention period must be a positive integer value.").With("ArgumentName", "Years")
			}
		}
	}
	if err := h.cfg.S3.PutObjectLockConfiguration(q.r.Context(), q.route.Bucket, c); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetObjectLockConfiguration(q *s3Request) error {
	c, err := h.cfg.S3.GetObjectLockConfiguration(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	x := xmlLockConfig{Xmlns: s3Xmlns, ObjectLockEnabled: "Enabled"}
	if c.Mode != "" {
		x.Rule = &struct {
			DefaultRetention struct {
				Mode  string `xml:"Mode,omitempty"`
				Days  *int   `xml:"Days,omitempty"`
				Years *int   `xml:"Years,omitempty"`
			} `xml:"DefaultRetention"`
		}{}
		x.Rule.DefaultRetention.Mode = c.Mode
		if c.Days > 0 {
			x.Rule.DefaultRetention.Days = ptr(c.Days)
		}
		if c.Years > 0 {
			x.Rule.DefaultRetention.Years = ptr(c.Years)
		}
	}
	return writeS3XML(q.w, x)
}

type xmlRetention struct {
	XMLName         xml.Name `xml:"Retention"`
	Xmlns           string   `xml:"xmlns,attr,omitempty"`
	Mode            string   `xml:"Mode,omitempty"`
	RetainUntilDate string   `xml:"RetainUntilDate,omitempty"`
}

func (h *Handler) s3PutObjectRetention(q *s3Request) error {
	var x xmlRetention
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	bypass, err := h.bypassGovernance(q)
	if err != nil {
		return err
	}
	var r *store.Retention
	if x.Mode != "" || x.RetainUntilDate != "" {
		t, err := time.Parse(time.RFC3339, x.RetainUntilDate)
		if err != nil || x.Mode == "" {
			return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		r = &store.Retention{Mode: x.Mode, Until: t.UTC()}
	}
	if err := h.cfg.S3.PutObjectRetention(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"), r, bypass); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetObjectRetention(q *s3Request) error {
	r, err := h.cfg.S3.GetObjectRetention(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"))
	if err != nil {
		return err
	}
	return writeS3XML(q.w, xmlRetention{Xmlns: s3Xmlns, Mode: r.Mode, RetainUntilDate: r.Until.UTC().Format("2006-01-02T15:04:05.000Z")})
}

type xmlLegalHold struct {
	XMLName xml.Name `xml:"LegalHold"`
	Xmlns   string   `xml:"xmlns,attr,omitempty"`
	Status  string   `xml:"Status"`
}

func (h *Handler) s3PutObjectLegalHold(q *s3Request) error {
	var x xmlLegalHold
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if err := h.cfg.S3.PutObjectLegalHold(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"), x.Status); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetObjectLegalHold(q *s3Request) error {
	st, err := h.cfg.S3.GetObjectLegalHold(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"))
	if err != nil {
		return err
	}
	return writeS3XML(q.w, xmlLegalHold{Xmlns: s3Xmlns, Status: st})
}
