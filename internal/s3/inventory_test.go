package s3

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
)

// TestInventory: a due CSV inventory is written as S3 lays it out — the
// gzipped rows and a manifest naming them — only once the destination's
// policy lets s3.amazonaws.com write, and again only when due.
func TestInventory(t *testing.T) {
	ctx := context.Background()
	s, _ := newService(t)
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	s.Now = func() time.Time { return now }
	for _, b := range []string{"stock", "reports"} {
		if err := s.CreateBucket(ctx, b, "", "000000000000"); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"a b.txt", "dir/c.txt", "other.txt"} {
		if _, err := s.PutObject(ctx, PutInput{Bucket: "stock", Key: k, Body: Body{R: strings.NewReader("12345"), Size: 5}}); err != nil {
			t.Fatal(err)
		}
	}
	doc := `<InventoryConfiguration><Destination><S3BucketDestination><Bucket>arn:aws:s3:::reports</Bucket><Format>CSV</Format><Prefix>inv</Prefix></S3BucketDestination></Destination>` +
		`<IsEnabled>true</IsEnabled><Id>daily</Id><IncludedObjectVersions>Current</IncludedObjectVersions><OptionalFields><Field>Size</Field><Field>EncryptionStatus</Field></OptionalFields>` +
		`<Schedule><Frequency>Daily</Frequency></Schedule></InventoryConfiguration>`
	if err := s.PutIDConfig(ctx, "stock", ConfigInventory, "daily", doc); err != nil {
		t.Fatal(err)
	}
	if st, err := s.ProduceInventories(ctx); err != nil || st.Reports != 0 {
		t.Fatalf("without the destination's permission: %+v %v", st, err)
	}
	pol := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"s3:PutObject","Resource":"arn:aws:s3:::reports/*",
		"Condition":{"ArnLike":{"aws:SourceArn":"arn:aws:s3:::stock"},"StringEquals":{"aws:SourceAccount":"000000000000"}}}]}`
	if err := s.PutBucketPolicy(ctx, "reports", pol); err != nil {
		t.Fatal(err)
	}
	st, err := s.ProduceInventories(ctx)
	if err != nil || st.Reports != 1 || st.Objects != 3 {
		t.Fatalf("report: %+v %v", st, err)
	}
	read := func(key string) []byte {
		t.Helper()
		out, err := s.GetObject(ctx, GetInput{Bucket: "reports", Key: key})
		if err != nil {
			t.Fatal(err)
		}
		defer out.Body.Close()
		b, _ := io.ReadAll(out.Body)
		return b
	}
	var manifest struct {
		SourceBucket, FileFormat, FileSchema string
		Files                                []struct{ Key string }
	}
	if err := json.Unmarshal(read("inv/stock/daily/2026-12-04T10-00Z/manifest.json"), &manifest); err != nil {
		t.Fatal(err)
	}
	if manifest.SourceBucket != "stock" || manifest.FileSchema != "Bucket, Key, Size, EncryptionStatus" || len(manifest.Files) != 1 ||
		!strings.HasPrefix(manifest.Files[0].Key, "inv/stock/daily/data/") {
		t.Fatalf("manifest: %+v", manifest)
	}
	zr, err := gzip.NewReader(bytes.NewReader(read(manifest.Files[0].Key)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(zr).ReadAll()
	if err != nil || len(rows) != 3 || strings.Join(rows[0], "|") != "stock|a+b.txt|5|NOT-SSE" || rows[1][1] != "dir%2Fc.txt" {
		t.Fatalf("rows: %q %v", rows, err)
	}
	if st, _ := s.ProduceInventories(ctx); st.Reports != 0 {
		t.Errorf("a daily report again the same day: %+v", st)
	}
	// Every version, with its latest flag.
	if err := s.PutBucketVersioning(ctx, "stock", VersioningEnabled, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PutObject(ctx, PutInput{Bucket: "stock", Key: "other.txt", Body: Body{R: strings.NewReader("2"), Size: 1}}); err != nil {
		t.Fatal(err)
	}
	all := strings.Replace(strings.Replace(doc, "Current", "All", 1), "<Id>daily</Id>", "<Id>all</Id>", 1)
	if err := s.PutIDConfig(ctx, "stock", ConfigInventory, "all", all); err != nil {
		t.Fatal(err)
	}
	if st, err := s.ProduceInventories(ctx); err != nil || st.Reports != 1 || st.Objects != 4 {
		t.Fatalf("every version: %+v %v", st, err)
	}
	manifest.Files = nil
	if err := json.Unmarshal(read("inv/stock/all/2026-12-04T10-00Z/manifest.json"), &manifest); err != nil || len(manifest.Files) != 1 {
		t.Fatal(manifest, err)
	}
	zr, err = gzip.NewReader(bytes.NewReader(read(manifest.Files[0].Key)))
	if err != nil {
		t.Fatal(err)
	}
	rows, err = csv.NewReader(zr).ReadAll()
	var latest []string
	for _, r := range rows {
		if r[1] == "other.txt" {
			latest = append(latest, r[3])
		}
	}
	if err != nil || manifest.FileSchema != "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, EncryptionStatus" || strings.Join(latest, ",") != "true,false" {
		t.Fatalf("every version: %q %s %v", rows, manifest.FileSchema, err)
	}
	now = now.Add(25 * time.Hour)
	if st, _ := s.ProduceInventories(ctx); st.Reports != 2 {
		t.Errorf("the next day's reports, both daily: %+v", st)
	}
}
