package s3

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"

	"github.com/sekisho/sekisho/internal/awserr"
	"github.com/sekisho/sekisho/internal/store"
)

// Configurations kept by id, up to MaxIDConfigs of each kind per bucket:
// analytics, inventory, metrics and intelligent-tiering. The front parses
// and checks each document; the service keeps them, as canonical XML, in
// the bucket's configuration document of the kind (a JSON object of
// documents by id). sekisho keeps and reports them; it produces no
// analyses, inventories or metrics, and moves no objects between tiers.

// ID-keyed configuration kinds, as their query parameters name them.
const (
	ConfigAnalytics          = "analytics"
	ConfigInventory          = "inventory"
	ConfigMetrics            = "metrics"
	ConfigIntelligentTiering = "intelligent-tiering"
)

// MaxIDConfigs is how many configurations of one kind a bucket may have.
const MaxIDConfigs = 1000

func errNoSuchConfiguration() error {
	return awserr.New(404, "NoSuchConfiguration", "The specified configuration does not exist.")
}

func idConfigs(b store.Bucket, kind string) (map[string]string, error) {
	m := map[string]string{}
	if v := b.Config[kind]; v != "" {
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("bucket %s: reading its %s configurations: %w", b.Name, kind, err)
		}
	}
	return m, nil
}

// PutIDConfig sets (doc != "") or deletes (doc == "") one configuration.
// Deleting one that does not exist is NoSuchConfiguration.
func (s *Service) PutIDConfig(ctx context.Context, bucket, kind, id, doc string) error {
	return s.setConfigFn(ctx, bucket, func(b *store.Bucket) error {
		m, err := idConfigs(*b, kind)
		if err != nil {
			return err
		}
		_, exists := m[id]
		switch {
		case doc == "" && !exists:
			return errNoSuchConfiguration()
		case doc == "":
			delete(m, id)
		case !exists && len(m) >= MaxIDConfigs:
			return awserr.New(400, "TooManyConfigurations", "You are attempting to create a new configuration but have already reached the 1,000-configuration limit.")
		default:
			m[id] = doc
		}
		if len(m) == 0 {
			delete(b.Config, kind)
			return nil
		}
		v, _ := json.Marshal(m)
		b.Config[kind] = string(v)
		return nil
	})
}

// IDConfig returns one configuration's document.
func (s *Service) IDConfig(ctx context.Context, bucket, kind, id string) (string, error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return "", err
	}
	m, err := idConfigs(b, kind)
	if err != nil {
		return "", err
	}
	doc, ok := m[id]
	if !ok {
		return "", errNoSuchConfiguration()
	}
	return doc, nil
}

// IDConfigs returns up to max documents of a kind in id order, starting
// after the id after, and whether more follow.
func (s *Service) IDConfigs(ctx context.Context, bucket, kind, after string, max int) (ids, docs []string, truncated bool, err error) {
	b, err := s.Bucket(ctx, bucket)
	if err != nil {
		return nil, nil, false, err
	}
	m, err := idConfigs(b, kind)
	if err != nil {
		return nil, nil, false, err
	}
	all := make([]string, 0, len(m))
	for id := range m {
		if id > after {
			all = append(all, id)
		}
	}
	sort.Strings(all)
	if len(all) > max {
		all, truncated = all[:max], true
	}
	for _, id := range all {
		docs = append(docs, m[id])
	}
	return all, docs, truncated, nil
}
