package s3

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/store"
)

// Inventory reports. ProduceInventories, run with the lifecycle rules
// (every --lifecycle-interval, on one node), writes each enabled CSV
// inventory configuration's report when it is due — daily or weekly, in
// lifecycle days — into its destination bucket as S3 lays it out: the
// gzipped CSV under <prefix>/<bucket>/<id>/data/, and manifest.json with
// manifest.checksum under <prefix>/<bucket>/<id>/<YYYY-MM-DDTHH-MMZ>/.
// The destination's bucket policy must allow the s3.amazonaws.com
// service s3:PutObject (with aws:SourceArn and aws:SourceAccount), as S3
// requires; otherwise no report is written. ORC and Parquet reports are
// not produced.

// configInventoryRuns keeps when each inventory last ran (JSON: id → time).
const configInventoryRuns = "inventory-runs"

// inventoryConfig is what a report needs of a stored configuration.
type inventoryConfig struct {
	ID        string `xml:"Id"`
	IsEnabled bool   `xml:"IsEnabled"`
	Filter    struct {
		Prefix string `xml:"Prefix"`
	} `xml:"Filter"`
	Versions string   `xml:"IncludedObjectVersions"`
	Fields   []string `xml:"OptionalFields>Field"`
	Schedule struct {
		Frequency string `xml:"Frequency"`
	} `xml:"Schedule"`
	Destination struct {
		Bucket string `xml:"Bucket"`
		Format string `xml:"Format"`
		Prefix string `xml:"Prefix"`
	} `xml:"Destination>S3BucketDestination"`
}

// InventoryStats says what a pass produced.
type InventoryStats struct {
	Reports, Objects int
}

// ProduceInventories writes the inventory reports that are due.
func (s *Service) ProduceInventories(ctx context.Context) (InventoryStats, error) {
	var st InventoryStats
	buckets, err := s.Meta.ListBuckets(ctx)
	if err != nil {
		return st, err
	}
	for _, b := range buckets {
		docs, err := idConfigs(b, ConfigInventory)
		if err != nil || len(docs) == 0 {
			continue
		}
		runs := map[string]time.Time{}
		if v := b.Config[configInventoryRuns]; v != "" {
			_ = json.Unmarshal([]byte(v), &runs)
		}
		ids := make([]string, 0, len(docs))
		for id := range docs {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		for _, id := range ids {
			var c inventoryConfig
			if err := xml.Unmarshal([]byte(docs[id]), &c); err != nil || !c.IsEnabled {
				continue
			}
			every := s.lifecycleDay()
			if c.Schedule.Frequency == "Weekly" {
				every *= 7
			}
			now := s.now().UTC()
			if last, ok := runs[id]; ok && now.Sub(last) < every {
				continue
			}
			if c.Destination.Format != "CSV" {
				if s.Log != nil {
					s.Log.Warn("inventory not produced: sekisho writes CSV reports only", "bucket", b.Name, "id", id, "format", c.Destination.Format)
				}
				continue
			}
			n, err := s.inventory(ctx, b, &c, now)
			if err != nil {
				if s.Log != nil {
					s.Log.Warn("inventory not produced", "bucket", b.Name, "id", id, "err", err)
				}
				continue
			}
			st.Reports++
			st.Objects += n
			err = s.setConfigFn(ctx, b.Name, func(b *store.Bucket) error {
				m := map[string]time.Time{}
				if v := b.Config[configInventoryRuns]; v != "" {
					_ = json.Unmarshal([]byte(v), &m)
				}
				m[id] = now
				v, _ := json.Marshal(m)
				b.Config[configInventoryRuns] = string(v)
				return nil
			})
			if err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

// inventory writes one report and returns how many rows it has.
func (s *Service) inventory(ctx context.Context, src store.Bucket, c *inventoryConfig, now time.Time) (int, error) {
	destName, ok := destBucketName(c.Destination.Bucket)
	if !ok {
		return 0, fmt.Errorf("destination %q is not a bucket ARN", c.Destination.Bucket)
	}
	dest, err := s.Meta.GetBucket(ctx, destName)
	if err != nil {
		return 0, fmt.Errorf("destination bucket %s: %w", destName, err)
	}
	base := src.Name + "/" + c.ID + "/"
	if p := strings.TrimSuffix(c.Destination.Prefix, "/"); p != "" {
		base = p + "/" + base
	}
	var u [16]byte
	_, _ = rand.Read(u[:])
	dataKey := base + "data/" + hex.EncodeToString(u[:]) + ".csv.gz"
	if !serviceMayWrite(dest, src, "s3.amazonaws.com", dataKey, false) {
		return 0, fmt.Errorf("the policy of bucket %s does not let s3.amazonaws.com write the report", destName)
	}
	all := c.Versions == "All"
	schema := []string{"Bucket", "Key"}
	if all {
		schema = append(schema, "VersionId", "IsLatest", "IsDeleteMarker")
	}
	schema = append(schema, c.Fields...)

	var data bytes.Buffer
	zw := gzip.NewWriter(&data)
	w := csv.NewWriter(zw)
	rows := 0
	row := func(o *store.Object, latest bool) error {
		rec := []string{src.Name, url.QueryEscape(o.Key)}
		if all {
			rec = append(rec, o.VersionID, strconv.FormatBool(latest), strconv.FormatBool(o.DeleteMarker))
		}
		for _, f := range c.Fields {
			rec = append(rec, inventoryField(src, o, f))
		}
		rows++
		return w.Write(rec)
	}
	if all {
		prev := ""
		err := s.eachVersion(ctx, src.Name, c.Filter.Prefix, func(o *store.Object) error {
			latest := o.Key != prev
			prev = o.Key
			return row(o, latest)
		})
		if err != nil {
			return 0, err
		}
	} else {
		after := ""
		for {
			page, err := s.Meta.ListObjects(ctx, src.Name, store.ListOptions{Prefix: c.Filter.Prefix, After: after, Limit: 1000})
			if err != nil {
				return 0, err
			}
			for i := range page {
				if err := row(&page[i], true); err != nil {
					return 0, err
				}
			}
			if len(page) < 1000 {
				break
			}
			after = page[len(page)-1].Key
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	if err := zw.Close(); err != nil {
		return 0, err
	}
	sum := md5.Sum(data.Bytes())
	size := data.Len()
	if err := s.putReport(ctx, destName, dataKey, "application/x-gzip", data.Bytes()); err != nil {
		return 0, err
	}
	manifest, _ := json.MarshalIndent(map[string]any{
		"sourceBucket": src.Name, "destinationBucket": c.Destination.Bucket, "version": "2016-11-30",
		"creationTimestamp": strconv.FormatInt(now.UnixMilli(), 10), "fileFormat": "CSV",
		"fileSchema": strings.Join(schema, ", "),
		"files":      []map[string]any{{"key": dataKey, "size": size, "MD5checksum": hex.EncodeToString(sum[:])}},
	}, "", "  ")
	dir := base + now.Format("2006-01-02T15-04Z") + "/"
	if err := s.putReport(ctx, destName, dir+"manifest.json", "application/json", manifest); err != nil {
		return 0, err
	}
	msum := md5.Sum(manifest)
	return rows, s.putReport(ctx, destName, dir+"manifest.checksum", "text/plain", []byte(hex.EncodeToString(msum[:])))
}

func (s *Service) putReport(ctx context.Context, bucket, key, contentType string, body []byte) error {
	_, err := s.PutObject(ctx, PutInput{Bucket: bucket, Key: key, Body: Body{R: bytes.NewReader(body), Size: int64(len(body))},
		ObjectAttrs: ObjectAttrs{Headers: map[string]string{"Content-Type": contentType}}})
	return err
}

// inventoryField is one optional field of an object's row.
func inventoryField(b store.Bucket, o *store.Object, f string) string {
	if o.DeleteMarker {
		return ""
	}
	switch f {
	case "Size":
		return strconv.FormatInt(o.Size, 10)
	case "LastModifiedDate":
		return o.Modified.UTC().Format("2006-01-02T15:04:05.000Z")
	case "StorageClass":
		return storageClassName(o.Headers[StorageClassHeader])
	case "ETag":
		return strings.Trim(o.ETag, `"`)
	case "IsMultipartUploaded":
		return strconv.FormatBool(len(o.Parts) > 0 || strings.Contains(o.ETag, "-"))
	case "ReplicationStatus":
		return o.Headers[ReplicationStatusHeader]
	case "EncryptionStatus":
		switch {
		case o.SSE == nil:
			return "NOT-SSE"
		case o.SSE.CustomerKeyMD5 != "":
			return "SSE-C"
		case o.SSE.Algorithm == "aws:kms":
			return "SSE-KMS"
		}
		return "SSE-S3"
	case "ObjectLockRetainUntilDate":
		if o.Retention != nil {
			return o.Retention.Until.UTC().Format("2006-01-02T15:04:05.000Z")
		}
	case "ObjectLockMode":
		if o.Retention != nil {
			return o.Retention.Mode
		}
	case "ObjectLockLegalHoldStatus":
		if o.LegalHold {
			return "ON"
		}
		return "OFF"
	case "BucketKeyStatus":
		if o.SSE != nil && o.SSE.BucketKeyEnabled {
			return "ENABLED"
		}
		return "DISABLED"
	case "ChecksumAlgorithm":
		algs := make([]string, 0, len(o.Checksums))
		for a := range o.Checksums {
			algs = append(algs, a)
		}
		sort.Strings(algs)
		return strings.Join(algs, ",")
	case "ObjectOwner":
		return b.Owner
	}
	return ""
}
