package front

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"net/http"
	"regexp"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/s3"
)

// The configurations S3 keeps by id — analytics, inventory, metrics and
// intelligent-tiering — on the wire: each kind's document is parsed,
// checked against the API model's required members and enumerations, and
// kept as canonical XML (internal/s3/idconfig.go). One generic set of
// handlers serves the four kinds' Put, Get, Delete and List.

type xmlTagKV struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

// xmlFilter is the filter of analytics, metrics and intelligent-tiering
// configurations: one of a prefix, a tag, an access point (metrics) or an
// And of them.
type xmlFilter struct {
	Prefix         *string   `xml:"Prefix"`
	Tag            *xmlTagKV `xml:"Tag"`
	AccessPointArn *string   `xml:"AccessPointArn"`
	And            *struct {
		Prefix         *string    `xml:"Prefix"`
		Tags           []xmlTagKV `xml:"Tag"`
		AccessPointArn *string    `xml:"AccessPointArn"`
	} `xml:"And"`
}

func (f *xmlFilter) check(accessPoints bool) error {
	if f == nil {
		return nil
	}
	n := 0
	for _, set := range []bool{f.Prefix != nil, f.Tag != nil, f.AccessPointArn != nil, f.And != nil} {
		if set {
			n++
		}
	}
	if n > 1 || !accessPoints && (f.AccessPointArn != nil || f.And != nil && f.And.AccessPointArn != nil) {
		return malformed()
	}
	if f.Tag != nil && f.Tag.Key == "" {
		return malformed()
	}
	if f.And != nil {
		for _, t := range f.And.Tags {
			if t.Key == "" {
				return malformed()
			}
		}
	}
	return nil
}

// bucketARNRE is what a destination bucket must be: an S3 bucket ARN.
var bucketARNRE = regexp.MustCompile(`^arn:aws[a-z-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

type xmlAnalytics struct {
	XMLName              xml.Name   `xml:"AnalyticsConfiguration"`
	Xmlns                string     `xml:"xmlns,attr,omitempty"`
	ID                   string     `xml:"Id"`
	Filter               *xmlFilter `xml:"Filter"`
	StorageClassAnalysis *struct {
		DataExport *struct {
			OutputSchemaVersion string `xml:"OutputSchemaVersion"`
			Destination         struct {
				S3BucketDestination struct {
					Format          string  `xml:"Format"`
					BucketAccountID *string `xml:"BucketAccountId"`
					Bucket          string  `xml:"Bucket"`
					Prefix          *string `xml:"Prefix"`
				} `xml:"S3BucketDestination"`
			} `xml:"Destination"`
		} `xml:"DataExport"`
	} `xml:"StorageClassAnalysis"`
}

func (x *xmlAnalytics) configID() string   { return x.ID }
func (x *xmlAnalytics) setXmlns(ns string) { x.Xmlns = ns }
func (x *xmlAnalytics) check() error {
	if x.StorageClassAnalysis == nil {
		return malformed()
	}
	if e := x.StorageClassAnalysis.DataExport; e != nil {
		d := e.Destination.S3BucketDestination
		if e.OutputSchemaVersion != "V_1" || d.Format != "CSV" {
			return malformed()
		}
		if !bucketARNRE.MatchString(d.Bucket) {
			return awserr.New(400, "InvalidArgument", "Invalid bucket ARN.").With("ArgumentName", "Bucket").With("ArgumentValue", d.Bucket)
		}
	}
	return x.Filter.check(false)
}

type xmlInventory struct {
	XMLName     xml.Name `xml:"InventoryConfiguration"`
	Xmlns       string   `xml:"xmlns,attr,omitempty"`
	Destination *struct {
		S3BucketDestination struct {
			AccountID  *string `xml:"AccountId"`
			Bucket     string  `xml:"Bucket"`
			Format     string  `xml:"Format"`
			Prefix     *string `xml:"Prefix"`
			Encryption *struct {
				SSES3  *struct{} `xml:"SSE-S3"`
				SSEKMS *struct {
					KeyID string `xml:"KeyId"`
				} `xml:"SSE-KMS"`
			} `xml:"Encryption"`
		} `xml:"S3BucketDestination"`
	} `xml:"Destination"`
	IsEnabled *bool `xml:"IsEnabled"`
	Filter    *struct {
		Prefix string `xml:"Prefix"`
	} `xml:"Filter"`
	ID                     string   `xml:"Id"`
	IncludedObjectVersions string   `xml:"IncludedObjectVersions"`
	OptionalFields         []string `xml:"OptionalFields>Field"`
	Schedule               *struct {
		Frequency string `xml:"Frequency"`
	} `xml:"Schedule"`
}

// inventoryFields are the optional fields an inventory may list.
var inventoryFields = map[string]bool{
	"Size": true, "LastModifiedDate": true, "StorageClass": true, "ETag": true, "IsMultipartUploaded": true, "ReplicationStatus": true,
	"EncryptionStatus": true, "ObjectLockRetainUntilDate": true, "ObjectLockMode": true, "ObjectLockLegalHoldStatus": true,
	"IntelligentTieringAccessTier": true, "BucketKeyStatus": true, "ChecksumAlgorithm": true, "ObjectAccessControlList": true,
	"ObjectOwner": true, "LifecycleExpirationDate": true,
}

func (x *xmlInventory) configID() string   { return x.ID }
func (x *xmlInventory) setXmlns(ns string) { x.Xmlns = ns }
func (x *xmlInventory) check() error {
	if x.Destination == nil || x.IsEnabled == nil || x.Schedule == nil {
		return malformed()
	}
	d := x.Destination.S3BucketDestination
	switch d.Format {
	case "CSV", "ORC", "Parquet":
	default:
		return malformed()
	}
	if e := d.Encryption; e != nil && (e.SSES3 != nil) == (e.SSEKMS != nil) {
		return malformed()
	}
	if !bucketARNRE.MatchString(d.Bucket) {
		return awserr.New(400, "InvalidArgument", "Invalid bucket ARN.").With("ArgumentName", "Bucket").With("ArgumentValue", d.Bucket)
	}
	switch x.IncludedObjectVersions {
	case "All", "Current":
	default:
		return malformed()
	}
	switch x.Schedule.Frequency {
	case "Daily", "Weekly":
	default:
		return malformed()
	}
	for _, f := range x.OptionalFields {
		if !inventoryFields[f] {
			return malformed()
		}
	}
	return nil
}

type xmlMetrics struct {
	XMLName xml.Name   `xml:"MetricsConfiguration"`
	Xmlns   string     `xml:"xmlns,attr,omitempty"`
	ID      string     `xml:"Id"`
	Filter  *xmlFilter `xml:"Filter"`
}

func (x *xmlMetrics) configID() string   { return x.ID }
func (x *xmlMetrics) setXmlns(ns string) { x.Xmlns = ns }
func (x *xmlMetrics) check() error       { return x.Filter.check(true) }

type xmlTiering struct {
	XMLName  xml.Name   `xml:"IntelligentTieringConfiguration"`
	Xmlns    string     `xml:"xmlns,attr,omitempty"`
	ID       string     `xml:"Id"`
	Filter   *xmlFilter `xml:"Filter"`
	Status   string     `xml:"Status"`
	Tierings []struct {
		Days       int    `xml:"Days"`
		AccessTier string `xml:"AccessTier"`
	} `xml:"Tiering"`
}

func (x *xmlTiering) configID() string   { return x.ID }
func (x *xmlTiering) setXmlns(ns string) { x.Xmlns = ns }
func (x *xmlTiering) check() error {
	if x.Status != "Enabled" && x.Status != "Disabled" || len(x.Tierings) == 0 {
		return malformed()
	}
	seen := map[string]bool{}
	for _, t := range x.Tierings {
		min := 0
		switch t.AccessTier {
		case "ARCHIVE_ACCESS":
			min = 90
		case "DEEP_ARCHIVE_ACCESS":
			min = 180
		default:
			return malformed()
		}
		if seen[t.AccessTier] {
			return awserr.New(400, "InvalidArgument", "Intelligent tiering configuration cannot have more than one tiering of the same access tier.")
		}
		seen[t.AccessTier] = true
		if t.Days < min || t.Days > 730 {
			return awserr.Newf(400, "InvalidArgument", "Days for %s must be between %d and 730.", t.AccessTier, min)
		}
	}
	return x.Filter.check(false)
}

// idConfig is one kind's parsed document.
type idConfig interface {
	configID() string
	check() error
	setXmlns(string)
}

// configIDRE is what an id may be (S3: up to 64 letters, digits, "-", "_"
// and ".").
var configIDRE = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// idConfigOps adds the four operations of one kind (PutBucket<name>Configuration,
// Get…, Delete…, ListBucket<name>Configurations) to ops.
func idConfigOps[T any, P interface {
	*T
	idConfig
}](ops map[string]s3Op, name, kind, listRoot, action, putAction string) {
	parse := func(doc []byte) (P, error) {
		p := P(new(T))
		if err := xml.Unmarshal(doc, p); err != nil {
			return nil, malformed()
		}
		return p, nil
	}
	queryID := func(q *s3Request) (string, error) {
		id := q.get("id")
		if !configIDRE.MatchString(id) {
			return "", awserr.New(400, "InvalidArgument", "The ID is invalid.").With("ArgumentName", "id").With("ArgumentValue", id)
		}
		return id, nil
	}
	ops["PutBucket"+name+"Configuration"] = s3Op{func(h *Handler, q *s3Request) error {
		id, err := queryID(q)
		if err != nil {
			return err
		}
		body, err := readXMLBody(q, false) // no digest required, per the model
		if err != nil {
			return err
		}
		p, err := parse(body)
		if err != nil {
			return err
		}
		if p.configID() == "" {
			return malformed()
		}
		if p.configID() != id {
			return awserr.New(400, "InvalidArgument", "The ID in the request body does not match the ID in the URI.").With("ArgumentName", "id").With("ArgumentValue", id)
		}
		if err := p.check(); err != nil {
			return err
		}
		p.setXmlns("")
		doc, err := xml.Marshal(p)
		if err != nil {
			return err
		}
		if err := h.cfg.S3.PutIDConfig(q.r.Context(), q.route.Bucket, kind, id, string(doc)); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusOK)
		return nil
	}, putAction, resBucket}
	ops["GetBucket"+name+"Configuration"] = s3Op{func(h *Handler, q *s3Request) error {
		id, err := queryID(q)
		if err != nil {
			return err
		}
		doc, err := h.cfg.S3.IDConfig(q.r.Context(), q.route.Bucket, kind, id)
		if err != nil {
			return err
		}
		p, err := parse([]byte(doc))
		if err != nil {
			return err
		}
		p.setXmlns(s3Xmlns)
		return writeS3XML(q.w, p)
	}, action, resBucket}
	ops["DeleteBucket"+name+"Configuration"] = s3Op{func(h *Handler, q *s3Request) error {
		id, err := queryID(q)
		if err != nil {
			return err
		}
		if err := h.cfg.S3.PutIDConfig(q.r.Context(), q.route.Bucket, kind, id, ""); err != nil {
			return err
		}
		q.w.WriteHeader(http.StatusNoContent)
		return nil
	}, putAction, resBucket}
	ops["ListBucket"+name+"Configurations"] = s3Op{func(h *Handler, q *s3Request) error {
		token := q.get("continuation-token")
		after := ""
		if token != "" {
			b, err := base64.RawURLEncoding.DecodeString(token)
			if err != nil || !configIDRE.Match(b) {
				return awserr.New(400, "InvalidArgument", "The continuation token provided is incorrect").With("ArgumentName", "continuation-token")
			}
			after = string(b)
		}
		ids, docs, truncated, err := h.cfg.S3.IDConfigs(q.r.Context(), q.route.Bucket, kind, after, 100)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		buf.WriteString(xml.Header)
		buf.WriteString("<" + listRoot + ` xmlns="` + s3Xmlns + `">`)
		if token != "" {
			buf.WriteString("<ContinuationToken>")
			xml.EscapeText(&buf, []byte(token))
			buf.WriteString("</ContinuationToken>")
		}
		for _, d := range docs {
			buf.WriteString(d)
		}
		if truncated {
			buf.WriteString("<IsTruncated>true</IsTruncated><NextContinuationToken>" + base64.RawURLEncoding.EncodeToString([]byte(ids[len(ids)-1])) + "</NextContinuationToken>")
		} else {
			buf.WriteString("<IsTruncated>false</IsTruncated>")
		}
		buf.WriteString("</" + listRoot + ">")
		q.w.Header().Set("Content-Type", "application/xml")
		_, err = q.w.Write(buf.Bytes())
		return err
	}, action, resBucket}
}

// s3IDConfigOps are the s3Ops rows of the id-keyed configurations.
func s3IDConfigOps() map[string]s3Op {
	out := map[string]s3Op{}
	idConfigOps[xmlAnalytics](out, "Analytics", s3.ConfigAnalytics, "ListBucketAnalyticsConfigurationResult", "s3:GetAnalyticsConfiguration", "s3:PutAnalyticsConfiguration")
	idConfigOps[xmlInventory](out, "Inventory", s3.ConfigInventory, "ListInventoryConfigurationsResult", "s3:GetInventoryConfiguration", "s3:PutInventoryConfiguration")
	idConfigOps[xmlMetrics](out, "Metrics", s3.ConfigMetrics, "ListMetricsConfigurationsResult", "s3:GetMetricsConfiguration", "s3:PutMetricsConfiguration")
	idConfigOps[xmlTiering](out, "IntelligentTiering", s3.ConfigIntelligentTiering, "ListBucketIntelligentTieringConfigurationsOutput", "s3:GetIntelligentTieringConfiguration", "s3:PutIntelligentTieringConfiguration")
	return out
}
