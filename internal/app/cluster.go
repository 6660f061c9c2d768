package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/sekisho/sekisho/internal/auth"
	"github.com/sekisho/sekisho/internal/blob"
	"github.com/sekisho/sekisho/internal/blob/s3blob"
	"github.com/sekisho/sekisho/internal/seal"
	"github.com/sekisho/sekisho/internal/store"
	"github.com/sekisho/sekisho/internal/store/bolt"
	"github.com/sekisho/sekisho/internal/store/postgres"
)

// Several nodes. With --store postgres://… every node is stateless apart
// from its caches: records, sessions, codes, lockouts and signing keys
// live in the database, object bytes in the (shared) data dir. What a
// single node keeps in its own files moves into the store:
//
//   - the root keys (the record server/root, unless given by setting);
//   - a check that this node's master key is the one that sealed the
//     store's secrets (server/keycheck): a node with another key refuses
//     to start;
//   - leases (server/lease/<name>) so that one node at a time runs the
//     background sweeps, and another takes over when it dies.

const kindServer = "sekisho.server"

// orphanGrace is how old an unreferenced blob must be before a node
// sweeps it when several nodes share the blob directory: another node
// may be between writing a blob and committing its record.
const orphanGrace = time.Hour

// openStore opens the metadata store the configuration names.
func openStore(cfg *Config) (store.Store, error) {
	if cfg.StoreURL == "" {
		return bolt.Open(filepath.Join(cfg.DataDir, "meta.db"))
	}
	return postgres.Open(context.Background(), cfg.StoreURL, postgres.Options{MaxConns: cfg.storeMaxConns})
}

const keyCheckPurpose = "sekisho master key check"

// checkMasterKey makes sure key opens what the store's secrets were sealed
// with: the first node to start records a sealed check value, and a node
// whose key cannot open it refuses to start before it writes anything.
func checkMasterKey(ctx context.Context, meta store.Store, key *seal.Key) error {
	return meta.UpdateRecords(ctx, func(tx store.RecordTx) error {
		v, err := tx.Get(kindServer, "keycheck")
		if errors.Is(err, store.ErrNotFound) {
			return tx.Put(kindServer, "keycheck", []byte(key.Seal(keyCheckPurpose, []byte("sekisho"))))
		}
		if err != nil {
			return err
		}
		if _, err := key.Open(keyCheckPurpose, string(v)); err != nil {
			return errors.New("this node's master key is not the one the metadata store's secrets are sealed with: give every node the same --master-key (SEKISHO_MASTER_KEY)")
		}
		return nil
	})
}

// storeRootCredentials returns the root keys kept in the store, making
// them on first use (created is then true): the nodes of a cluster share
// them.
func storeRootCredentials(ctx context.Context, meta store.Store, key *seal.Key) (id, secret string, created bool, err error) {
	newID, newSecret := auth.NewAccessKeyID("AKIA"), auth.NewSecretAccessKey()
	var rf rootFile
	err = meta.UpdateRecords(ctx, func(tx store.RecordTx) error {
		created = false
		v, err := tx.Get(kindServer, "root")
		if errors.Is(err, store.ErrNotFound) {
			rf = rootFile{newID, key.Seal(rootPurpose, []byte(newSecret))}
			b, _ := json.Marshal(rf)
			created = true
			return tx.Put(kindServer, "root", b)
		}
		if err != nil {
			return err
		}
		return json.Unmarshal(v, &rf)
	})
	if err != nil {
		return "", "", false, err
	}
	pt, err := key.Open(rootPurpose, rf.SealedSecret)
	if err != nil {
		return "", "", false, errors.New("the root keys in the metadata store cannot be decrypted with this master key")
	}
	return rf.AccessKeyID, string(pt), created, nil
}

type lease struct {
	Node  string
	Until time.Time
}

// newNodeID names this process among the nodes.
func newNodeID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// holdLease takes or renews the lease name for ttl if it is free, expired
// or already this node's, and reports whether this node holds it. On one
// node (bbolt) there is nothing to share: it always does.
func (a *App) holdLease(ctx context.Context, name string, ttl time.Duration) bool {
	if a.cfg.StoreURL == "" {
		return true
	}
	now := time.Now()
	held := false
	err := a.meta.UpdateRecords(ctx, func(tx store.RecordTx) error {
		held = false
		var l lease
		if v, err := tx.Get(kindServer, "lease/"+name); err == nil {
			if err := json.Unmarshal(v, &l); err != nil {
				return err
			}
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if l.Node != a.node && now.Before(l.Until) {
			return nil // another node's, still valid
		}
		b, _ := json.Marshal(lease{a.node, now.Add(ttl)})
		held = true
		return tx.Put(kindServer, "lease/"+name, b)
	})
	if err != nil {
		a.log.Warn("taking a lease", "lease", name, "err", err)
		return false
	}
	return held
}

// storeStatus reports the store's health for /_sekisho/health.
func (a *App) storeStatus(ctx context.Context) (map[string]any, error) {
	out := map[string]any{"backend": "bolt"}
	if p, ok := a.meta.(*postgres.Store); ok {
		out["backend"] = "postgres"
		if err := p.Ping(ctx); err != nil {
			return out, err
		}
		inUse, idle, total := p.Stats()
		out["connections"] = map[string]int32{"in_use": inUse, "idle": idle, "total": total}
		out["schema"] = postgres.SchemaVersion
		out["nodes"] = a.livePeers()
	}
	if _, err := a.S3.Meta.ListBuckets(ctx); err != nil {
		return out, err
	}
	return out, nil
}

// wipeStore empties the store for a dev-mode reset.
func wipeStore(ctx context.Context, meta store.Store) error {
	if p, ok := meta.(*postgres.Store); ok {
		return p.Wipe(ctx)
	}
	return fmt.Errorf("wipe: not a database store")
}

// migrate runs `sekisho migrate`: opening the store applies what
// migrations it lacks.
func migrate(cfg *Config, w io.Writer) error {
	if cfg.StoreURL == "" {
		return errors.New("--store (SEKISHO_STORE_URL) must name a postgres:// database: the bolt store needs no migrations")
	}
	meta, err := openStore(cfg)
	if err != nil {
		return err
	}
	defer meta.Close()
	fmt.Fprintf(w, "the store's schema is at version %d\n", postgres.SchemaVersion)
	return nil
}

// rootKeysOf returns the root keys for `sekisho credentials`: from the
// settings, the data dir, or the shared store.
func rootKeysOf(cfg *Config, key *seal.Key) (id, secret string, err error) {
	if cfg.StoreURL == "" || cfg.RootAccessKeyID != "" {
		id, secret, _, err = rootCredentials(cfg, key)
		return id, secret, err
	}
	meta, err := openStore(cfg)
	if err != nil {
		return "", "", err
	}
	defer meta.Close()
	if err := checkMasterKey(context.Background(), meta, key); err != nil {
		return "", "", err
	}
	id, secret, _, err = storeRootCredentials(context.Background(), meta, key)
	return id, secret, err
}

// openBlobs opens the blob store the configuration names: the data dir's
// blobs/ directory, or an S3-compatible bucket.
func openBlobs(cfg *Config) (blob.Store, error) {
	if cfg.BlobStore == "" {
		return blob.OpenFS(filepath.Join(cfg.DataDir, "blobs"))
	}
	return s3blob.Open(context.Background(), s3blob.Config{URL: cfg.BlobStore, Endpoint: cfg.BlobEndpoint, Region: cfg.BlobRegion,
		AccessKeyID: cfg.BlobKeyID, SecretAccessKey: cfg.BlobSecret, PathStyle: cfg.BlobPathStyle != "false"})
}

// Heartbeats: each node of a cluster writes server/node/<id> with an
// expiry every heartbeatEvery, and counts the unexpired ones. The count
// divides the limits a node keeps in memory (userpool.Service.Peers).
const (
	heartbeatEvery = 5 * time.Second
	heartbeatTTL   = 3 * heartbeatEvery
)

// livePeers is the number of live nodes (1 on a single node).
func (a *App) livePeers() int { return int(max(1, a.peers.Load())) }

// heartbeat keeps this node's record fresh and the live count current
// until ctx ends, then removes the record.
func (a *App) heartbeat(ctx context.Context) {
	beat := func() {
		now := time.Now()
		n := 0
		err := a.meta.UpdateRecords(ctx, func(tx store.RecordTx) error {
			b, _ := json.Marshal(lease{a.node, now.Add(heartbeatTTL)})
			if err := tx.Put(kindServer, "node/"+a.node, b); err != nil {
				return err
			}
			recs, err := tx.List(kindServer, "node/", "", 0)
			if err != nil {
				return err
			}
			n = 0
			for _, r := range recs {
				var l lease
				if json.Unmarshal(r.Value, &l) == nil && now.Before(l.Until) {
					n++
				} else if now.Sub(l.Until) > time.Hour {
					tx.Delete(kindServer, r.ID) // long gone
				}
			}
			return nil
		})
		if err == nil {
			a.peers.Store(int64(n))
		} else if ctx.Err() == nil {
			a.log.Warn("cluster heartbeat", "err", err)
		}
	}
	beat()
	t := time.NewTicker(heartbeatEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			c, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			a.meta.UpdateRecords(c, func(tx store.RecordTx) error { return tx.Delete(kindServer, "node/"+a.node) })
			cancel()
			return
		case <-t.C:
			beat()
		}
	}
}
