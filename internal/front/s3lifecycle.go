package front

import (
	"encoding/xml"
	"net/http"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
	"github.com/sekisho/sekisho/internal/store"
)

// Lifecycle configuration on the wire.

type xmlLCTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlLCAnd struct {
	Prefix                *string    `xml:"Prefix"`
	Tags                  []xmlLCTag `xml:"Tag"`
	ObjectSizeGreaterThan *int64     `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64     `xml:"ObjectSizeLessThan"`
}

type xmlLCFilter struct {
	Prefix                *string   `xml:"Prefix"`
	Tag                   *xmlLCTag `xml:"Tag"`
	And                   *xmlLCAnd `xml:"And"`
	ObjectSizeGreaterThan *int64    `xml:"ObjectSizeGreaterThan"`
	ObjectSizeLessThan    *int64    `xml:"ObjectSizeLessThan"`
}

type xmlLCTransition struct {
	Days           *int   `xml:"Days,omitempty"`
	NoncurrentDays *int   `xml:"NoncurrentDays,omitempty"`
	Date           string `xml:"Date,omitempty"`
	StorageClass   string `xml:"StorageClass"`
}

type xmlLCRule struct {
	ID         string       `xml:"ID,omitempty"`
	Filter     *xmlLCFilter `xml:"Filter"`
	Prefix     *string      `xml:"Prefix"`
	Status     string       `xml:"Status"`
	Expiration *struct {
		Days                      *int   `xml:"Days,omitempty"`
		Date                      string `xml:"Date,omitempty"`
		ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
	} `xml:"Expiration"`
	Transitions           []xmlLCTransition `xml:"Transition"`
	NoncurrentTransitions []xmlLCTransition `xml:"NoncurrentVersionTransition"`
	NoncurrentExpiration  *struct {
		NoncurrentDays          *int `xml:"NoncurrentDays,omitempty"`
		NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions,omitempty"`
	} `xml:"NoncurrentVersionExpiration"`
	AbortIncomplete *struct {
		DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
	} `xml:"AbortIncompleteMultipartUpload"`
}

type xmlLifecycle struct {
	XMLName xml.Name    `xml:"LifecycleConfiguration"`
	Xmlns   string      `xml:"xmlns,attr,omitempty"`
	Rules   []xmlLCRule `xml:"Rule"`
}

func malformed() error {
	return awserr.New(400, "MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema")
}

func lcDate(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		t, err = time.Parse("2006-01-02", v)
	}
	if err != nil {
		return t, awserr.New(400, "InvalidArgument", "'Date' must be in ISO 8601 format")
	}
	return t.UTC(), nil
}

func deref(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// toRule turns a rule as sent into the service's.
func (x xmlLCRule) toRule() (s3.LifecycleRule, error) {
	r := s3.LifecycleRule{ID: x.ID, Status: x.Status}
	switch {
	case x.Filter != nil && x.Prefix != nil:
		return r, malformed()
	case x.Prefix != nil:
		r.Filter.Prefix, r.LegacyPrefix = *x.Prefix, true
	case x.Filter != nil:
		r.FilterGiven = true
		f := x.Filter
		n := 0
		for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.And != nil, f.ObjectSizeGreaterThan != nil, f.ObjectSizeLessThan != nil} {
			if set {
				n++
			}
		}
		if n > 1 {
			return r, malformed()
		}
		switch {
		case f.Prefix != nil:
			r.Filter.Prefix = *f.Prefix
		case f.Tag != nil:
			r.Filter.Tags = map[string]string{f.Tag.Key: f.Tag.Value}
		case f.ObjectSizeGreaterThan != nil:
			r.Filter.ObjectSizeGreaterThan = *f.ObjectSizeGreaterThan
		case f.ObjectSizeLessThan != nil:
			r.Filter.ObjectSizeLessThan = *f.ObjectSizeLessThan
		case f.And != nil:
			if f.And.Prefix != nil {
				r.Filter.Prefix = *f.And.Prefix
			}
			for _, t := range f.And.Tags {
				if r.Filter.Tags == nil {
					r.Filter.Tags = map[string]string{}
				}
				if _, dup := r.Filter.Tags[t.Key]; dup {
					return r, awserr.New(400, "InvalidArgument", "Duplicate Tag Keys are not allowed.")
				}
				r.Filter.Tags[t.Key] = t.Value
			}
			if f.And.ObjectSizeGreaterThan != nil {
				r.Filter.ObjectSizeGreaterThan = *f.And.ObjectSizeGreaterThan
			}
			if f.And.ObjectSizeLessThan != nil {
				r.Filter.ObjectSizeLessThan = *f.And.ObjectSizeLessThan
			}
		}
	default:
		return r, malformed()
	}
	if e := x.Expiration; e != nil {
		if e.Days != nil {
			if *e.Days <= 0 {
				return r, awserr.New(400, "InvalidArgument", "'Days' for Expiration action must be a positive integer")
			}
			r.ExpirationDays = *e.Days
		}
		d, err := lcDate(e.Date)
		if err != nil {
			return r, err
		}
		r.ExpirationDate = d
		if e.ExpiredObjectDeleteMarker != nil {
			r.ExpiredObjectDeleteMarker = *e.ExpiredObjectDeleteMarker
		}
		if e.Days == nil && e.Date == "" && e.ExpiredObjectDeleteMarker == nil {
			return r, malformed()
		}
	}
	for _, t := range x.Transitions {
		d, err := lcDate(t.Date)
		if err != nil {
			return r, err
		}
		r.Transitions = append(r.Transitions, s3.LifecycleTransition{Days: deref(t.Days), Date: d, StorageClass: t.StorageClass})
	}
	for _, t := range x.NoncurrentTransitions {
		r.NoncurrentTransitions = append(r.NoncurrentTransitions, s3.LifecycleTransition{Days: deref(t.NoncurrentDays), StorageClass: t.StorageClass})
	}
	if n := x.NoncurrentExpiration; n != nil {
		if n.NoncurrentDays == nil || *n.NoncurrentDays <= 0 {
			return r, awserr.New(400, "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
		}
		r.NoncurrentDays, r.NewerNoncurrentVersions = *n.NoncurrentDays, deref(n.NewerNoncurrentVersions)
	}
	if a := x.AbortIncomplete; a != nil {
		if a.DaysAfterInitiation == nil || *a.DaysAfterInitiation <= 0 {
			return r, awserr.New(400, "InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
		}
		r.AbortIncompleteDays = *a.DaysAfterInitiation
	}
	return r, nil
}

func ptr[T any](v T) *T { return &v }

// fromRule renders a stored rule as S3 gives it back.
func fromRule(r s3.LifecycleRule) xmlLCRule {
	x := xmlLCRule{ID: r.ID, Status: r.Status}
	f := r.Filter
	switch {
	case r.LegacyPrefix:
		x.Prefix = ptr(f.Prefix)
	default:
		xf := &xmlLCFilter{}
		conds := 0
		if f.Prefix != "" {
			conds++
		}
		conds += len(f.Tags)
		if f.ObjectSizeGreaterThan > 0 {
			conds++
		}
		if f.ObjectSizeLessThan > 0 {
			conds++
		}
		switch {
		case conds > 1:
			a := &xmlLCAnd{}
			if f.Prefix != "" {
				a.Prefix = ptr(f.Prefix)
			}
			for k, v := range f.Tags {
				a.Tags = append(a.Tags, xmlLCTag{k, v})
			}
			if f.ObjectSizeGreaterThan > 0 {
				a.ObjectSizeGreaterThan = ptr(f.ObjectSizeGreaterThan)
			}
			if f.ObjectSizeLessThan > 0 {
				a.ObjectSizeLessThan = ptr(f.ObjectSizeLessThan)
			}
			xf.And = a
		case len(f.Tags) == 1:
			for k, v := range f.Tags {
				xf.Tag = &xmlLCTag{k, v}
			}
		case f.ObjectSizeGreaterThan > 0:
			xf.ObjectSizeGreaterThan = ptr(f.ObjectSizeGreaterThan)
		case f.ObjectSizeLessThan > 0:
			xf.ObjectSizeLessThan = ptr(f.ObjectSizeLessThan)
		default:
			xf.Prefix = ptr(f.Prefix)
		}
		x.Filter = xf
	}
	if r.ExpirationDays > 0 || !r.ExpirationDate.IsZero() || r.ExpiredObjectDeleteMarker {
		x.Expiration = &struct {
			Days                      *int   `xml:"Days,omitempty"`
			Date                      string `xml:"Date,omitempty"`
			ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker,omitempty"`
		}{}
		if r.ExpirationDays > 0 {
			x.Expiration.Days = ptr(r.ExpirationDays)
		}
		if !r.ExpirationDate.IsZero() {
			x.Expiration.Date = r.ExpirationDate.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		if r.ExpiredObjectDeleteMarker {
			x.Expiration.ExpiredObjectDeleteMarker = ptr(true)
		}
	}
	for _, t := range r.Transitions {
		xt := xmlLCTransition{StorageClass: t.StorageClass}
		if t.Date.IsZero() {
			xt.Days = ptr(t.Days)
		} else {
			xt.Date = t.Date.UTC().Format("2006-01-02T15:04:05.000Z")
		}
		x.Transitions = append(x.Transitions, xt)
	}
	for _, t := range r.NoncurrentTransitions {
		x.NoncurrentTransitions = append(x.NoncurrentTransitions, xmlLCTransition{NoncurrentDays: ptr(t.Days), StorageClass: t.StorageClass})
	}
	if r.NoncurrentDays > 0 {
		x.NoncurrentExpiration = &struct {
			NoncurrentDays          *int `xml:"NoncurrentDays,omitempty"`
			NewerNoncurrentVersions *int `xml:"NewerNoncurrentVersions,omitempty"`
		}{NoncurrentDays: ptr(r.NoncurrentDays)}
		if r.NewerNoncurrentVersions > 0 {
			x.NoncurrentExpiration.NewerNoncurrentVersions = ptr(r.NewerNoncurrentVersions)
		}
	}
	if r.AbortIncompleteDays > 0 {
		x.AbortIncomplete = &struct {
			DaysAfterInitiation *int `xml:"DaysAfterInitiation"`
		}{ptr(r.AbortIncompleteDays)}
	}
	return x
}

func (h *Handler) s3PutBucketLifecycle(q *s3Request) error {
	var x xmlLifecycle
	if err := decodeXML(q, true, &x); err != nil {
		return err
	}
	var rules []s3.LifecycleRule
	for _, xr := range x.Rules {
		r, err := xr.toRule()
		if err != nil {
			return err
		}
		rules = append(rules, r)
	}
	if err := h.cfg.S3.PutBucketLifecycle(q.r.Context(), q.route.Bucket, rules); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusOK)
	return nil
}

func (h *Handler) s3GetBucketLifecycle(q *s3Request) error {
	rules, err := h.cfg.S3.GetBucketLifecycle(q.r.Context(), q.route.Bucket)
	if err != nil {
		return err
	}
	x := xmlLifecycle{Xmlns: s3Xmlns}
	for _, r := range rules {
		x.Rules = append(x.Rules, fromRule(r))
	}
	return writeS3XML(q.w, x)
}

func (h *Handler) s3DeleteBucketLifecycle(q *s3Request) error {
	if err := h.cfg.S3.DeleteBucketLifecycle(q.r.Context(), q.route.Bucket); err != nil {
		return err
	}
	q.w.WriteHeader(http.StatusNoContent)
	return nil
}

// setExpiration reports when a current version expires under its
// bucket's lifecycle rules (x-amz-expiration).
func setExpiration(hd http.Header, svc *s3.Service, b store.Bucket, o store.Object) {
	if at, id := svc.Expiration(b, o); !at.IsZero() {
		hd.Set("x-amz-expiration", `expiry-date="`+at.UTC().Format(http.TimeFormat)+`", rule-id="`+id+`"`)
	}
}
