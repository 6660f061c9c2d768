package front_test

import (
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// TestS3IDConfigurations: analytics, inventory, metrics and
// intelligent-tiering configurations round-trip with the SDK, list in
// pages of 100, and are checked as the API model and S3 check them.
func TestS3IDConfigurations(t *testing.T) {
	srv := newServer(t)
	c := s3Client(srv)
	mustBucket(t, c, "conf")
	b := aws.String("conf")
	must := mustOK(t)
	if _, err := c.GetBucketAnalyticsConfiguration(ctx, &s3.GetBucketAnalyticsConfigurationInput{Bucket: b, Id: aws.String("a")}); code(err) != "NoSuchConfiguration" {
		t.Errorf("missing analytics: %v", err)
	}
	_, err := c.PutBucketAnalyticsConfiguration(ctx, &s3.PutBucketAnalyticsConfigurationInput{Bucket: b, Id: aws.String("a"), AnalyticsConfiguration: &types.AnalyticsConfiguration{
		Id: aws.String("a"), Filter: &types.AnalyticsFilterMemberPrefix{Value: "logs/"},
		StorageClassAnalysis: &types.StorageClassAnalysis{DataExport: &types.StorageClassAnalysisDataExport{OutputSchemaVersion: types.StorageClassAnalysisSchemaVersionV1,
			Destination: &types.AnalyticsExportDestination{S3BucketDestination: &types.AnalyticsS3BucketDestination{Bucket: aws.String("arn:aws:s3:::reports"), Format: types.AnalyticsS3ExportFileFormatCsv}}}}}})
	must("PutBucketAnalyticsConfiguration", err)
	a, err := c.GetBucketAnalyticsConfiguration(ctx, &s3.GetBucketAnalyticsConfigurationInput{Bucket: b, Id: aws.String("a")})
	must("GetBucketAnalyticsConfiguration", err)
	if p, ok := a.AnalyticsConfiguration.Filter.(*types.AnalyticsFilterMemberPrefix); !ok || p.Value != "logs/" ||
		*a.AnalyticsConfiguration.StorageClassAnalysis.DataExport.Destination.S3BucketDestination.Bucket != "arn:aws:s3:::reports" {
		t.Errorf("analytics read back: %+v", a.AnalyticsConfiguration)
	}
	_, err = c.PutBucketInventoryConfiguration(ctx, &s3.PutBucketInventoryConfigurationInput{Bucket: b, Id: aws.String("weekly"), InventoryConfiguration: &types.InventoryConfiguration{
		Id: aws.String("weekly"), IsEnabled: aws.Bool(true), IncludedObjectVersions: types.InventoryIncludedObjectVersionsCurrent,
		Schedule:       &types.InventorySchedule{Frequency: types.InventoryFrequencyWeekly},
		OptionalFields: []types.InventoryOptionalField{types.InventoryOptionalFieldSize, types.InventoryOptionalFieldETag},
		Destination:    &types.InventoryDestination{S3BucketDestination: &types.InventoryS3BucketDestination{Bucket: aws.String("arn:aws:s3:::reports"), Format: types.InventoryFormatParquet}}}})
	must("PutBucketInventoryConfiguration", err)
	inv, err := c.GetBucketInventoryConfiguration(ctx, &s3.GetBucketInventoryConfigurationInput{Bucket: b, Id: aws.String("weekly")})
	must("GetBucketInventoryConfiguration", err)
	if i := inv.InventoryConfiguration; !*i.IsEnabled || len(i.OptionalFields) != 2 || i.Destination.S3BucketDestination.Format != types.InventoryFormatParquet {
		t.Errorf("inventory read back: %+v", i)
	}
	for i := range 120 {
		id := aws.String(fmt.Sprintf("m%03d", i))
		_, err := c.PutBucketMetricsConfiguration(ctx, &s3.PutBucketMetricsConfigurationInput{Bucket: b, Id: id, MetricsConfiguration: &types.MetricsConfiguration{Id: id,
			Filter: &types.MetricsFilterMemberAnd{Value: types.MetricsAndOperator{Prefix: aws.String("p/"), Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}}}})
		must("PutBucketMetricsConfiguration", err)
	}
	var ids []string
	var token *string
	for {
		l, err := c.ListBucketMetricsConfigurations(ctx, &s3.ListBucketMetricsConfigurationsInput{Bucket: b, ContinuationToken: token})
		must("ListBucketMetricsConfigurations", err)
		for _, m := range l.MetricsConfigurationList {
			ids = append(ids, *m.Id)
		}
		if !*l.IsTruncated {
			break
		}
		token = l.NextContinuationToken
	}
	if len(ids) != 120 || ids[0] != "m000" || ids[119] != "m119" {
		t.Errorf("metrics listed: %d %v", len(ids), ids)
	}
	_, err = c.DeleteBucketMetricsConfiguration(ctx, &s3.DeleteBucketMetricsConfigurationInput{Bucket: b, Id: aws.String("m000")})
	must("DeleteBucketMetricsConfiguration", err)
	if _, err := c.DeleteBucketMetricsConfiguration(ctx, &s3.DeleteBucketMetricsConfigurationInput{Bucket: b, Id: aws.String("m000")}); code(err) != "NoSuchConfiguration" {
		t.Errorf("deleting twice: %v", err)
	}
	tiering := func(id, bodyID string, tiers ...types.Tiering) error {
		_, err := c.PutBucketIntelligentTieringConfiguration(ctx, &s3.PutBucketIntelligentTieringConfigurationInput{Bucket: b, Id: aws.String(id),
			IntelligentTieringConfiguration: &types.IntelligentTieringConfiguration{Id: aws.String(bodyID), Status: types.IntelligentTieringStatusEnabled, Tierings: tiers}})
		return err
	}
	must("PutBucketIntelligentTieringConfiguration", tiering("t", "t", types.Tiering{Days: aws.Int32(90), AccessTier: types.IntelligentTieringAccessTierArchiveAccess},
		types.Tiering{Days: aws.Int32(180), AccessTier: types.IntelligentTieringAccessTierDeepArchiveAccess}))
	for name, err := range map[string]error{
		"too few days": tiering("t", "t", types.Tiering{Days: aws.Int32(30), AccessTier: types.IntelligentTieringAccessTierArchiveAccess}),
		"the same tier": tiering("t", "t", types.Tiering{Days: aws.Int32(90), AccessTier: types.IntelligentTieringAccessTierArchiveAccess},
			types.Tiering{Days: aws.Int32(100), AccessTier: types.IntelligentTieringAccessTierArchiveAccess}),
		"ids differ": tiering("t", "u", types.Tiering{Days: aws.Int32(90), AccessTier: types.IntelligentTieringAccessTierArchiveAccess}),
		"bad id":     tiering("a b", "a b", types.Tiering{Days: aws.Int32(90), AccessTier: types.IntelligentTieringAccessTierArchiveAccess}),
	} {
		if code(err) != "InvalidArgument" {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := tiering("t", "t", types.Tiering{Days: aws.Int32(90), AccessTier: "HOT"}); code(err) != "MalformedXML" {
		t.Errorf("an unknown tier: %v", err)
	}
	l, err := c.ListBucketIntelligentTieringConfigurations(ctx, &s3.ListBucketIntelligentTieringConfigurationsInput{Bucket: b})
	must("ListBucketIntelligentTieringConfigurations", err)
	if len(l.IntelligentTieringConfigurationList) != 1 || len(l.IntelligentTieringConfigurationList[0].Tierings) != 2 {
		t.Errorf("tiering listed: %+v", l.IntelligentTieringConfigurationList)
	}
	if _, err := c.ListBucketInventoryConfigurations(ctx, &s3.ListBucketInventoryConfigurationsInput{Bucket: aws.String("nope")}); code(err) != "NoSuchBucket" {
		t.Errorf("a missing bucket: %v", err)
	}
}
