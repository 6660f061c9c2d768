package front

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

// ACLs and ownership controls on the wire.

// grantHeaders are the x-amz-grant-* headers and the permission each
// grants.
var grantHeaders = []struct{ header, perm string }{
	{"x-amz-grant-read", s3.PermRead},
	{"x-amz-grant-write", s3.PermWrite},
	{"x-amz-grant-read-acp", s3.PermReadACP},
	{"x-amz-grant-write-acp", s3.PermWriteACP},
	{"x-amz-grant-full-control", s3.PermFullControl},
}

// aclRequest reads a request's x-amz-acl or x-amz-grant-* headers; nil if
// it has neither.
func aclRequest(r *http.Request) (*s3.ACLRequest, error) {
	canned := r.Header.Get("x-amz-acl")
	var grants []s3.Grant
	for _, gh := range grantHeaders {
		v := r.Header.Get(gh.header)
		if v == "" {
			continue
		}
		for _, part := range strings.Split(v, ",") {
			k, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			val = strings.Trim(strings.TrimSpace(val), `"`)
			if !ok || val == "" {
				return nil, awserr.New(400, "InvalidArgument", "Invalid grant header value").With("ArgumentName", gh.header).With("ArgumentValue", v)
			}
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "id":
				grants = append(grants, s3.Grant{ID: val, Permission: gh.perm})
			case "uri":
				grants = append(grants, s3.Grant{URI: val, Permission: gh.perm})
			case "emailaddress":
				return nil, awserr.New(400, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.").With("EmailAddress", val)
			default:
				return nil, awserr.New(400, "InvalidArgument", "Argument format not recognized").With("ArgumentName", gh.header).With("ArgumentValue", v)
			}
		}
	}
	switch {
	case canned != "" && grants != nil:
		return nil, awserr.New(400, "InvalidRequest", "Specifying both Canned ACLs and Header Grants is not allowed")
	case canned != "":
		if _, err := s3.CannedACL(canned, "", ""); err != nil {
			return nil, err
		}
		return &s3.ACLRequest{Canned: canned}, nil
	case grants != nil:
		return &s3.ACLRequest{Grants: grants}, nil
	}
	return nil, nil
}

const xsiNS = "http://www.w3.org/2001/XMLSchema-instance"

type xmlGrantee struct {
	XMLName     xml.Name `xml:"Grantee"`
	XSI         string   `xml:"xmlns:xsi,attr,omitempty"`
	Type        string   `xml:"xsi:type,attr,omitempty"`
	ID          string   `xml:"ID,omitempty"`
	DisplayName string   `xml:"DisplayName,omitempty"`
	URI         string   `xml:"URI,omitempty"`
	Email       string   `xml:"EmailAddress,omitempty"`
}

type xmlGrant struct {
	Grantee    xmlGrantee `xml:"Grantee"`
	Permission string     `xml:"Permission"`
}

type xmlACP struct {
	XMLName xml.Name   `xml:"AccessControlPolicy"`
	Xmlns   string     `xml:"xmlns,attr,omitempty"`
	Owner   *owner     `xml:"Owner"`
	Grants  []xmlGrant `xml:"AccessControlList>Grant"`
}

// inGrantee is a Grantee as clients send it: the type attribute in the
// XML Schema instance namespace.
type inGrantee struct {
	Type  string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	ID    string `xml:"ID"`
	URI   string `xml:"URI"`
	Email string `xml:"EmailAddress"`
}

type inACP struct {
	XMLName xml.Name `xml:"AccessControlPolicy"`
	Owner   *struct {
		ID string `xml:"ID"`
	} `xml:"Owner"`
	Grants []struct {
		Grantee    inGrantee `xml:"Grantee"`
		Permission string    `xml:"Permission"`
	} `xml:"AccessControlList>Grant"`
}

// aclPut reads what a PutBucketAcl or PutObjectAcl asks: headers, or an
// AccessControlPolicy body, not both.
func aclPut(q *s3Request) (*s3.ACLRequest, error) {
	hdr, err := aclRequest(q.r)
	if err != nil {
		return nil, err
	}
	body, err := readXMLBody(q, false)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(body)) == "" {
		if hdr == nil {
			return nil, awserr.New(400, "MissingSecurityHeader", "Your request was missing a required header").With("MissingHeaderName", "x-amz-acl")
		}
		return hdr, nil
	}
	if hdr != nil {
		return nil, awserr.New(400, "UnexpectedContent", "This request does not support content")
	}
	var x inACP
	if err := xml.Unmarshal(body, &x); err != nil {
		return nil, awserr.New(400, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	req := &s3.ACLRequest{Explicit: true, Grants: []s3.Grant{}}
	malformedACL := awserr.New(400, "MalformedACLError", "The XML you provided was not well-formed or did not validate against our published schema")
	for _, g := range x.Grants {
		gr, err := grantOf(g.Grantee, g.Permission, malformedACL)
		if err != nil {
			return nil, err
		}
		if (gr.ID == "") == (gr.URI == "") || !s3.ValidPermission(gr.Permission) {
			return nil, malformedACL
		}
		req.Grants = append(req.Grants, gr)
	}
	return req, nil
}

// grantOf reads a grant as clients send it (in an ACL or a logging
// target's grants); bad is the error for a grantee of no known type.
func grantOf(g inGrantee, permission string, bad error) (s3.Grant, error) {
	gr := s3.Grant{Permission: permission}
	switch g.Type {
	case "CanonicalUser":
		gr.ID = g.ID
	case "Group":
		gr.URI = g.URI
	case "AmazonCustomerByEmail":
		return gr, awserr.New(400, "UnresolvableGrantByEmailAddress", "The e-mail address you provided does not match any account on record.").With("EmailAddress", g.Email)
	default:
		return gr, bad
	}
	return gr, nil
}

// grantXML is a grant as S3 sends it.
func grantXML(g s3.Grant) xmlGrant {
	ge := xmlGrantee{XSI: xsiNS, Type: "CanonicalUser", ID: g.ID}
	if g.URI != "" {
		ge = xmlGrantee{XSI: xsiNS, Type: "Group", URI: g.URI}
	}
	return xmlGrant{ge, g.Permission}
}

func writeACL(q *s3Request, a s3.ACL) error {
	x := xmlACP{Xmlns: s3Xmlns, Owner: &owner{ID: a.Owner}, Grants: []xmlGrant{}}
	for _, g := range a.Grants {
		x.Grants = append(x.Grants, grantXML(g))
	}
	return writeS3XML(q.w, x)
}

func (h *Handler) s3GetAcl(q *s3Request) error {
	if q.route.Key == "" {
		a, err := h.cfg.S3.BucketACL(q.r.Context(), q.route.Bucket)
		if err != nil {
			return err
		}
		return writeACL(q, a)
	}
	a, v, err := h.cfg.S3.ObjectACL(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"))
	if err != nil {
		return err
	}
	setVersionHeader(q.w.Header(), v)
	return writeACL(q, a)
}

func (h *Handler) s3PutAcl(q *s3Request) error {
	req, err := aclPut(q)
	if err != nil {
		return err
	}
	if q.route.Key == "" {
		if err := h.cfg.S3.PutBucketACL(q.r.Context(), q.route.Bucket, req); err != nil {
			return err
		}
	} else {
		v, err := h.cfg.S3.PutObjectACL(q.r.Context(), q.route.Bucket, q.route.Key, q.get("versionId"), req)
		if err != nil {
			return err
		}
		setVersionHeader(q.w.Header(), v)
		q.emit("ObjectAcl:Put", store.Object{Key: q.route.Key})
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketOwnershipControls(q *s3Request) error {
	o, err := h.cfg.S3.OwnershipControls(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	x := xmlOwnershipControls{Xmlns: s3Xmlns}
	x.Rule.ObjectOwnership = o
	return writeS3XML(q.w, x)
}

func (h *Handler) s3PutBucketOwnershipControls(q *s3Request) error {
	var x struct {
		XMLName xml.Name `xml:"OwnershipControls"`
		Rules   []struct {
			ObjectOwnership string `xml:"ObjectOwnership"`
		} `xml:"Rule"`
	}
	if err := decodeXML(q, false, &x); err != nil {
		return err
	}
	if len(x.Rules) != 1 || x.Rules[0].ObjectOwnership == "" {
		return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
	}
	if err := h.cfg.S3.PutOwnershipControls(q.r.Context(), q.route.Bucket, x.Rules[0].ObjectOwnership); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3DeleteBucketOwnershipControls(q *s3Request) error {
	if err := h.cfg.S3.PutOwnershipControls(q.r.Context(), q.route.Bucket, ""); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// xmlOwnershipControls is a bucket's ownership setting.
type xmlOwnershipControls struct {
	XMLName xml.Name `xml:"OwnershipControls"`
	Xmlns   string   `xml:"xmlns,attr"`
	Rule    struct {
		ObjectOwnership string `xml:"ObjectOwnership"`
	} `xml:"Rule"`
}
