package blob_test

import (
	"testing"

	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/blob/blobtest"
)

func TestFSConformance(t *testing.T) {
	blobtest.Run(t, func(t *testing.T) blob.Store {
		s, err := blob.OpenFS(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
