package s3

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Archived objects and RestoreObject. An object in the GLACIER or
// DEEP_ARCHIVE storage class (written so, copied so, or moved there by a
// lifecycle transition) cannot be read or copied, as in S3, until a
// RestoreObject makes a temporary copy readable for the days it asks.
// sekisho's restores complete at once (S3 takes minutes to hours); the
// object's x-amz-restore header, kept among its stored headers and
// reported by GET and HEAD, says until when.

// RestoreHeader is where a restore is kept among an object's stored
// headers, in the form S3 reports it.
const RestoreHeader = "X-Amz-Restore"

// restoreTimeFormat is the expiry date's form (HTTP's date, in GMT).
const restoreTimeFormat = "Mon, 02 Jan 2006 15:04:05 GMT"

// archiveClass reports whether a storage class keeps bytes offline.
func archiveClass(class string) bool { return class == "GLACIER" || class == "DEEP_ARCHIVE" }

// restoredUntil reads an x-amz-restore value's expiry.
func restoredUntil(v string) (time.Time, bool) {
	_, rest, ok := strings.Cut(v, `expiry-date="`)
	if !ok {
		return time.Time{}, false
	}
	date, _, _ := strings.Cut(rest, `"`)
	t, err := time.Parse(restoreTimeFormat, date)
	return t, err == nil
}

// archived reports whether o's bytes cannot be read now: an archive
// storage class without a restored copy that is still readable.
func (s *Service) archived(o store.Object) bool {
	if !archiveClass(o.Headers[StorageClassHeader]) {
		return false
	}
	until, ok := restoredUntil(o.Headers[RestoreHeader])
	return !ok || !s.now().Before(until)
}

func errArchived(o store.Object) error {
	return awserr.New(403, "InvalidObjectState", "The operation is not valid for the object's storage class").
		With("StorageClass", o.Headers[StorageClassHeader])
}

// RestoreInput is a RestoreObject request.
type RestoreInput struct {
	Bucket, Key, VersionID string
	Days                   int
	Tier                   string // Standard (""), Bulk, Expedited
}

// RestoreObject makes an archived object readable for in.Days days. It
// reports whether the object had no readable copy before (S3 answers 202
// then, 200 when it only extends a restore).
func (s *Service) RestoreObject(ctx context.Context, in RestoreInput) (bool, error) {
	switch in.Tier {
	case "", "Standard", "Bulk", "Expedited":
	default:
		return false, errMalformedXML()
	}
	if in.Days < 1 {
		return false, awserr.New(400, "InvalidArgument", "Days must be a positive integer").With("ArgumentName", "Days").With("ArgumentValue", strconv.Itoa(in.Days))
	}
	versionID := in.VersionID
	o, err := s.version(ctx, in.Bucket, in.Key, versionID)
	if err != nil {
		return false, err
	}
	class := o.Headers[StorageClassHeader]
	if !archiveClass(class) {
		return false, awserr.New(403, "InvalidObjectState", "Restore is not allowed for the object's current storage class").With("StorageClass", storageClassName(class))
	}
	if class == "DEEP_ARCHIVE" && in.Tier == "Expedited" {
		return false, awserr.New(400, "InvalidArgument", "Expedited retrieval is not supported for the DEEP_ARCHIVE storage class").With("ArgumentName", "Tier")
	}
	fresh := s.archived(o)
	// The copy expires at midnight UTC after the days asked, counted from
	// now (S3 counts from the restore's completion, which is now here).
	end := s.now().UTC().AddDate(0, 0, in.Days)
	end = time.Date(end.Year(), end.Month(), end.Day()+1, 0, 0, 0, 0, time.UTC)
	restore := fmt.Sprintf(`ongoing-request="false", expiry-date="%s"`, end.Format(restoreTimeFormat))
	if versionID == "" {
		versionID = o.VersionID
	}
	if versionID == "" {
		versionID = "null"
	}
	err = s.Meta.UpdateVersion(ctx, in.Bucket, in.Key, versionID, func(cur *store.Object) error {
		if cur.ETag != o.ETag || cur.Headers[StorageClassHeader] != class {
			return awserr.New(409, "OperationAborted", "A conflicting conditional operation is currently in progress against this resource. Please try again.")
		}
		cur.Headers = withHeader(cur.Headers, RestoreHeader, restore)
		return nil
	})
	return fresh, err
}

func storageClassName(class string) string {
	if class == "" {
		return "STANDARD"
	}
	return class
}
