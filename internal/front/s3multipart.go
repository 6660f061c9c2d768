package front

import (
	"encoding/xml"
	"net/http"
	"strconv"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/checksum"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

func (h *Handler) s3CreateMultipartUpload(q *s3Request) error {
	attrs, err := objectAttrs(q.r)
	if err != nil {
		return err
	}
	in := s3.CreateUploadInput{Bucket: q.route.Bucket, Key: q.route.Key, ObjectAttrs: attrs, Owner: q.p.Account, ChecksumType: q.r.Header.Get("x-amz-checksum-type")}
	if v := q.r.Header.Get("x-amz-checksum-algorithm"); v != "" {
		a, ok := checksum.Parse(v)
		if !ok {
			return awserr.New(400, "InvalidRequest", "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]")
		}
		in.ChecksumAlgorithm = a
	}
	if in.SSE, err = sseRequest(q.r); err != nil {
		return err
	}
	if in.ACL, err = aclRequest(q.r); err != nil {
		return err
	}
	u, err := h.cfg.S3.CreateMultipartUpload(q.r.Context(), in)
	if err != nil {
		return err
	}
	setSSEHeaders(q.w.Header(), u.SSE)
	if u.ChecksumAlgorithm != "" {
		q.w.Header().Set("x-amz-checksum-algorithm", u.ChecksumAlgorithm)
		q.w.Header().Set("x-amz-checksum-type", u.ChecksumType)
	}
	return writeS3XML(q.w, struct {
		XMLName  xml.Name `xml:"InitiateMultipartUploadResult"`
		Xmlns    string   `xml:"xmlns,attr"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		UploadID string   `xml:"UploadId"`
	}{Xmlns: s3Xmlns, Bucket: u.Bucket, Key: u.Key, UploadID: u.ID})
}

func partNumber(q *s3Request) (int, error) {
	n, err := strconv.Atoi(q.get("partNumber"))
	if err != nil || n < 1 || n > s3.MaxParts {
		return 0, awserr.New(400, "InvalidArgument", "Part number must be an integer between 1 and 10000, inclusive").With("ArgumentName", "partNumber").With("ArgumentValue", q.get("partNumber"))
	}
	return n, nil
}

func (h *Handler) s3UploadPart(q *s3Request) error {
	n, err := partNumber(q)
	if err != nil {
		return err
	}
	body, err := requestBody(q)
	if err != nil {
		return err
	}
	ck, err := customerKey(q.r, "x-amz-")
	if err != nil {
		return err
	}
	p, err := h.cfg.S3.UploadPart(q.r.Context(), q.route.Bucket, q.route.Key, q.get("uploadId"), n, body, ck)
	if err != nil {
		return s3AuthError(err)
	}
	if ck != nil {
		setSSEHeaders(q.w.Header(), &store.Encryption{CustomerKeyMD5: ck.MD5})
	}
	q.w.Header().Set("ETag", p.ETag)
	setChecksumHeaders(q.w.Header(), p.Checksums, "")
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3UploadPartCopy(q *s3Request) error {
	n, err := partNumber(q)
	if err != nil {
		return err
	}
	sb, sk, sv, err := copySource(q)
	if err != nil {
		return err
	}
	if err := h.authorizeCopySource(q, sb, sk, sv); err != nil {
		return err
	}
	in := s3.PartCopyInput{
		Bucket: q.route.Bucket, Key: q.route.Key, UploadID: q.get("uploadId"), Number: n,
		SrcBucket: sb, SrcKey: sk, SrcVersionID: sv,
		SrcRange: q.r.Header.Get("x-amz-copy-source-range"), SrcCond: readConditions(q.r, "x-amz-copy-source-"),
	}
	if in.SrcSSE, err = customerKey(q.r, "x-amz-copy-source-"); err != nil {
		return err
	}
	if in.SSE, err = customerKey(q.r, "x-amz-"); err != nil {
		return err
	}
	p, err := h.cfg.S3.UploadPartCopy(q.r.Context(), in)
	if err != nil {
		return err
	}
	if sv != "" {
		q.w.Header().Set("x-amz-copy-source-version-id", sv)
	}
	return writeS3XML(q.w, struct {
		XMLName      xml.Name `xml:"CopyPartResult"`
		Xmlns        string   `xml:"xmlns,attr"`
		LastModified string   `xml:"LastModified"`
		ETag         string   `xml:"ETag"`
		xmlChecksums
	}{Xmlns: s3Xmlns, LastModified: s3Time(p.Modified), ETag: p.ETag, xmlChecksums: toXMLChecksums(p.Checksums)})
}

func (h *Handler) s3CompleteMultipartUpload(q *s3Request) error {
	var req struct {
		Parts []struct {
			PartNumber int    `xml:"PartNumber"`
			ETag       string `xml:"ETag"`
			xmlChecksums
		} `xml:"Part"`
	}
	if err := decodeBody(q, false, false, &req); err != nil {
		return err
	}
	in := s3.CompleteInput{
		Bucket: q.route.Bucket, Key: q.route.Key, UploadID: q.get("uploadId"),
		Checksums: map[checksum.Algorithm]string{}, ChecksumType: q.r.Header.Get("x-amz-checksum-type"),
		ObjectSize: -1, Cond: writeConditions(q.r),
	}
	for _, p := range req.Parts {
		in.Parts = append(in.Parts, s3.CompletedPart{Number: p.PartNumber, ETag: p.ETag, Checksums: p.toMap()})
	}
	for name, vals := range q.r.Header {
		if a, ok := checksum.FromHeader(name); ok {
			in.Checksums[a] = vals[0]
		}
	}
	if v := q.r.Header.Get("x-amz-mp-object-size"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return awserr.New(400, "InvalidArgument", "The x-amz-mp-object-size header must be a non-negative integer.").With("ArgumentName", "x-amz-mp-object-size").With("ArgumentValue", v)
		}
		in.ObjectSize = n
	}
	o, err := h.cfg.S3.CompleteMultipartUpload(q.r.Context(), in)
	if err != nil {
		return err
	}
	setSSEHeaders(q.w.Header(), o.SSE)
	h.setObjectVersion(q, o)
	q.emit("ObjectCreated:CompleteMultipartUpload", o)
	return writeS3XML(q.w, struct {
		XMLName  xml.Name `xml:"CompleteMultipartUploadResult"`
		Xmlns    string   `xml:"xmlns,attr"`
		Location string   `xml:"Location"`
		Bucket   string   `xml:"Bucket"`
		Key      string   `xml:"Key"`
		ETag     string   `xml:"ETag"`
		xmlChecksums
		ChecksumType string `xml:"ChecksumType,omitempty"`
	}{Xmlns: s3Xmlns, Location: h.objectURL(q), Bucket: o.Bucket, Key: o.Key, ETag: o.ETag, xmlChecksums: toXMLChecksums(o.Checksums), ChecksumType: checksumType(o)})
}

// objectURL is the URL of the request's object, as the client addressed it.
func (h *Handler) objectURL(q *s3Request) string {
	scheme := "http"
	if q.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + q.r.Host + q.r.URL.EscapedPath()
}

func (h *Handler) s3AbortMultipartUpload(q *s3Request) error {
	if err := h.cfg.S3.AbortMultipartUpload(q.r.Context(), q.route.Bucket, q.route.Key, q.get("uploadId")); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *Handler) s3ListParts(q *s3Request) error {
	marker, err := intParam(q, "part-number-marker", 0)
	if err != nil {
		return err
	}
	maxParts, err := intParam(q, "max-parts", 1000)
	if err != nil {
		return err
	}
	out, err := h.cfg.S3.ListParts(q.r.Context(), q.route.Bucket, q.route.Key, q.get("uploadId"), marker, maxParts)
	if err != nil {
		return err
	}
	type part struct {
		PartNumber   int    `xml:"PartNumber"`
		LastModified string `xml:"LastModified"`
		ETag         string `xml:"ETag"`
		Size         int64  `xml:"Size"`
		xmlChecksums
	}
	res := struct {
		XMLName              xml.Name `xml:"ListPartsResult"`
		Xmlns                string   `xml:"xmlns,attr"`
		Bucket               string   `xml:"Bucket"`
		Key                  string   `xml:"Key"`
		UploadID             string   `xml:"UploadId"`
		Initiator            owner    `xml:"Initiator"`
		Owner                owner    `xml:"Owner"`
		StorageClass         string   `xml:"StorageClass"`
		PartNumberMarker     int      `xml:"PartNumberMarker"`
		NextPartNumberMarker int      `xml:"NextPartNumberMarker"`
		MaxParts             int      `xml:"MaxParts"`
		IsTruncated          bool     `xml:"IsTruncated"`
		Parts                []part   `xml:"Part"`
		ChecksumAlgorithm    string   `xml:"ChecksumAlgorithm,omitempty"`
		ChecksumType         string   `xml:"ChecksumType,omitempty"`
	}{
		Xmlns: s3Xmlns, Bucket: q.route.Bucket, Key: q.route.Key, UploadID: out.Upload.ID,
		Initiator: owner{ID: out.Upload.Owner}, Owner: owner{ID: out.Upload.Owner}, StorageClass: storageClassOf(out.Upload.Headers),
		PartNumberMarker: marker, NextPartNumberMarker: out.NextMarker, MaxParts: min(max(maxParts, 1), 1000), IsTruncated: out.IsTruncated,
		ChecksumAlgorithm: out.Upload.ChecksumAlgorithm, ChecksumType: out.Upload.ChecksumType,
	}
	for _, p := range out.Parts {
		res.Parts = append(res.Parts, part{p.Number, s3Time(p.Modified), p.ETag, p.Size, toXMLChecksums(p.Checksums)})
	}
	return writeS3XML(q.w, res)
}

func (h *Handler) s3ListMultipartUploads(q *s3Request) error {
	maxUploads, err := intParam(q, "max-uploads", 1000)
	if err != nil {
		return err
	}
	encType, enc, err := s3Encoder(q)
	if err != nil {
		return err
	}
	in := s3.UploadListInput{
		Bucket: q.route.Bucket, Prefix: q.get("prefix"), Delimiter: q.get("delimiter"),
		KeyMarker: q.get("key-marker"), UploadIDMarker: q.get("upload-id-marker"), MaxUploads: maxUploads,
	}
	out, err := h.cfg.S3.ListMultipartUploads(q.r.Context(), in)
	if err != nil {
		return err
	}
	type upload struct {
		Key               string `xml:"Key"`
		UploadID          string `xml:"UploadId"`
		Initiator         owner  `xml:"Initiator"`
		Owner             owner  `xml:"Owner"`
		StorageClass      string `xml:"StorageClass"`
		Initiated         string `xml:"Initiated"`
		ChecksumAlgorithm string `xml:"ChecksumAlgorithm,omitempty"`
		ChecksumType      string `xml:"ChecksumType,omitempty"`
	}
	type prefix struct {
		Prefix string `xml:"Prefix"`
	}
	res := struct {
		XMLName            xml.Name `xml:"ListMultipartUploadsResult"`
		Xmlns              string   `xml:"xmlns,attr"`
		Bucket             string   `xml:"Bucket"`
		KeyMarker          string   `xml:"KeyMarker"`
		UploadIDMarker     string   `xml:"UploadIdMarker"`
		NextKeyMarker      string   `xml:"NextKeyMarker"`
		NextUploadIDMarker string   `xml:"NextUploadIdMarker"`
		Prefix             string   `xml:"Prefix,omitempty"`
		Delimiter          string   `xml:"Delimiter,omitempty"`
		MaxUploads         int      `xml:"MaxUploads"`
		EncodingType       string   `xml:"EncodingType,omitempty"`
		IsTruncated        bool     `xml:"IsTruncated"`
		Uploads            []upload `xml:"Upload"`
		CommonPrefixes     []prefix `xml:"CommonPrefixes"`
	}{
		Xmlns: s3Xmlns, Bucket: in.Bucket, KeyMarker: enc(in.KeyMarker), UploadIDMarker: in.UploadIDMarker,
		Prefix: enc(in.Prefix), Delimiter: enc(in.Delimiter), MaxUploads: min(max(maxUploads, 1), 1000), EncodingType: encType, IsTruncated: out.IsTruncated,
	}
	if out.IsTruncated {
		res.NextKeyMarker, res.NextUploadIDMarker = enc(out.NextKeyMarker), out.NextUploadIDMarker
	}
	for _, u := range out.Uploads {
		res.Uploads = append(res.Uploads, upload{enc(u.Key), u.ID, owner{ID: u.Owner}, owner{ID: u.Owner}, storageClassOf(u.Headers), s3Time(u.Initiated), u.ChecksumAlgorithm, u.ChecksumType})
	}
	for _, p := range out.CommonPrefixes {
		res.CommonPrefixes = append(res.CommonPrefixes, prefix{enc(p)})
	}
	return writeS3XML(q.w, res)
}
