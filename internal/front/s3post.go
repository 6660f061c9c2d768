package front

import (
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/policy"
	"github.com/sekisho/sekisho/internal/s3"
)

// maxPostFields bounds the form fields before the file of a POST upload.
const maxPostFields = 64 << 10

// s3PostObject serves a browser form upload: multipart/form-data whose
// fields carry a signed policy, then the file, which streams into the
// object without being held in memory.
func (h *Handler) s3PostObject(q *s3Request) error {
	_, params, err := mime.ParseMediaType(q.r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return awserr.New(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
	}
	mr := multipart.NewReader(q.res.Body, params["boundary"])
	fields := map[string]string{}
	budget := maxPostFields
	var file *multipart.Part
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return awserr.New(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
		}
		name := strings.ToLower(part.FormName())
		if name == "file" {
			file = part
			break
		}
		v, err := io.ReadAll(io.LimitReader(part, int64(budget)+1))
		if err != nil {
			return awserr.New(400, "MalformedPOSTRequest", "The body of your POST request is not well-formed multipart/form-data.")
		}
		if budget -= len(v); budget < 0 {
			return awserr.New(400, "MaxPostPreDataLengthExceededError", "Your POST request fields preceeding the upload file was too large.").With("MaxPostPreDataLength", strconv.Itoa(maxPostFields))
		}
		fields[name] = string(v)
	}
	if file == nil {
		return awserr.New(400, "InvalidArgument", "POST requires exactly one file upload per request.").With("ArgumentName", "file")
	}
	if fields["key"] == "" {
		return awserr.New(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.").With("ArgumentName", "key")
	}
	p, err := h.cfg.Verifier.VerifyPost(q.r.Context(), fields)
	if err != nil {
		return s3AuthError(err)
	}
	q.p = p
	info(q.r.Context()).setPrincipal(p)
	key := strings.ReplaceAll(fields["key"], "${filename}", file.FileName())
	if err := h.authorizeS3As(q, p, "s3:PutObject", q.route.Bucket, objectARN(q.route.Bucket, key), func(r *policy.Request) {
		r.Set("s3:authType", "POST")
	}); err != nil {
		return err
	}
	check := map[string]string{"bucket": q.route.Bucket}
	for k, v := range fields {
		check[k] = v
	}
	check["key"] = key // the policy sees ${filename} replaced, as in S3
	policy, err := s3.ParsePostPolicy(fields["policy"])
	if err != nil {
		return err
	}
	if err := policy.Check(check, time.Now()); err != nil {
		return err
	}
	hdr := http.Header{}
	for k, v := range fields {
		if strings.HasPrefix(k, "x-amz-meta-") || k == "content-type" || k == "cache-control" || k == "content-disposition" || k == "content-encoding" || k == "expires" {
			hdr.Set(k, v)
		}
	}
	if hdr.Get("Content-Type") == "" && file.Header.Get("Content-Type") != "" {
		hdr.Set("Content-Type", file.Header.Get("Content-Type"))
	}
	attrs, err := objectAttrs(&http.Request{Header: hdr})
	if err != nil {
		return err
	}
	if t := fields["tagging"]; t != "" {
		// The form's tagging field is a Tagging document, as in
		// PutObjectTagging.
		var x xmlTagging
		if xml.Unmarshal([]byte(t), &x) != nil {
			return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
		}
		attrs.Tags = map[string]string{}
		for _, tg := range x.Tags {
			if _, dup := attrs.Tags[tg.Key]; dup {
				return awserr.New(400, "InvalidTag", "Cannot provide multiple Tags with the same key").With("TagKey", tg.Key)
			}
			attrs.Tags[tg.Key] = tg.Value
		}
		if err := s3.ValidateTags(attrs.Tags); err != nil {
			return err
		}
	}
	body := &sizeChecked{r: file, p: policy}
	o, err := h.cfg.S3.PutObject(q.r.Context(), s3.PutInput{Bucket: q.route.Bucket, Key: key, Body: s3.Body{R: body, Size: -1}, ObjectAttrs: attrs})
	if body.err != nil {
		return body.err
	}
	if err != nil {
		return s3AuthError(err)
	}
	loc := h.objectURL(q) + "/" + url.PathEscape(key)
	hd := q.w.Header()
	hd.Set("ETag", o.ETag)
	hd.Set("Location", loc)
	h.setObjectVersion(q, o)
	q.emit("ObjectCreated:Post", o)
	if redirect := fields["success_action_redirect"]; redirect != "" {
		if u, err := url.Parse(redirect); err == nil && (u.Scheme == "http" || u.Scheme == "https") {
			// S3 appends bucket, key and etag in that order.
			add := "bucket=" + url.QueryEscape(q.route.Bucket) + "&key=" + url.QueryEscape(key) + "&etag=" + url.QueryEscape(o.ETag)
			if u.RawQuery != "" {
				add = u.RawQuery + "&" + add
			}
			u.RawQuery = add
			hd.Set("Location", u.String())
			q.w.WriteHeader(http.StatusSeeOther)
			return nil
		}
	}
	switch fields["success_action_status"] {
	case "200":
		q.w.WriteHeader(http.StatusOK)
	case "201":
		q.w.WriteHeader(http.StatusCreated)
		return writeS3XML(q.w, struct {
			XMLName  xml.Name `xml:"PostResponse"`
			Location string   `xml:"Location"`
			Bucket   string   `xml:"Bucket"`
			Key      string   `xml:"Key"`
			ETag     string   `xml:"ETag"`
		}{Location: loc, Bucket: q.route.Bucket, Key: key, ETag: o.ETag})
	default:
		q.w.WriteHeader(http.StatusNoContent)
	}
	return nil
}

// sizeChecked enforces a policy's content-length-range while the file
// streams: it fails the read, and so the upload, as soon as the file is too
// large, or at its end if it is too small.
type sizeChecked struct {
	r   io.Reader
	p   *s3.PostPolicy
	n   int64
	err error
}

func (s *sizeChecked) Read(b []byte) (int, error) {
	n, err := s.r.Read(b)
	s.n += int64(n)
	if s.p.MaxSize >= 0 && s.n > s.p.MaxSize || errors.Is(err, io.EOF) && s.n < s.p.MinSize {
		s.err = s.p.CheckSize(s.n)
		return n, s.err
	}
	return n, err
}
