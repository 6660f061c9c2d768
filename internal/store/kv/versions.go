package kv

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"strconv"

	"github.com/sekisho/sekisho/internal/store"
)

// Versions. A key's current version (the latest, unless that is a delete
// marker) lives in objects/<bucket> as in a bucket without versioning, so
// GET and ListObjects read exactly what they read there. Every other
// version — noncurrent versions and delete markers — lives in
//
//	versions/<bucket>   key NUL big-endian(^seq) version-id → storedVersion
//
// so a key's versions sort newest first right after one another. The
// invariant every write keeps: objects/<bucket> holds a key exactly when
// its latest version is not a delete marker, and then holds that version.

var (
	versionsB = []byte("versions")
	vinlineB  = []byte("vinline")
)

// storedVersion is a versions/ record. A version written with versioning
// keeps its inline bytes in vinline/ under its version key from the start,
// so making it noncurrent moves only its record; an object written before
// the bucket had versioning (VersionID "") carries them in Data when it
// becomes noncurrent.
type storedVersion struct {
	store.Object
	Data []byte `json:",omitempty"`
}

// loadInline reads a version's inline bytes from vinline/, if it has any.
func loadInline(tx Tx, o *store.Object) {
	if vib := tx.Bucket(vinlineB).Bucket([]byte(o.Bucket)); vib != nil {
		if v := vib.Get(versionKey(o)); v != nil {
			o.Inline = append([]byte{}, v...)
		}
	}
}

// dropInline removes a version's inline bytes from vinline/ (a version
// from before versioning keeps them elsewhere: see storedVersion).
func dropInline(tx Tx, o *store.Object) error {
	if o.VersionID == "" {
		return nil
	}
	if vib := tx.Bucket(vinlineB).Bucket([]byte(o.Bucket)); vib != nil {
		return vib.Delete(versionKey(o))
	}
	return nil
}

func versionKey(o *store.Object) []byte {
	k := append([]byte(o.Key), 0)
	k = binary.BigEndian.AppendUint64(k, ^uint64(o.Seq))
	return append(k, o.VersionID...)
}

// seqOf returns the sequence number a version id made by the service
// begins with (16 hex digits), or false.
func seqOf(versionID string) (int64, bool) {
	if len(versionID) < 16 {
		return 0, false
	}
	n, err := strconv.ParseUint(versionID[:16], 16, 64)
	return int64(n), err == nil
}

func versionsOf(tx Tx, bucket string, create bool) (Bucket, error) {
	top := tx.Bucket(versionsB)
	if create {
		return top.CreateBucketIfNotExists([]byte(bucket))
	}
	return top.Bucket([]byte(bucket)), nil
}

// decodeVersion decodes a versions/ record, with its inline bytes if tx
// is not nil.
func decodeVersion(tx Tx, v []byte) (store.Object, error) {
	var sv storedVersion
	if err := json.Unmarshal(v, &sv); err != nil {
		return store.Object{}, err
	}
	o := sv.Object
	if tx == nil {
		return o, nil
	}
	if sv.Data != nil {
		o.Inline = sv.Data
	} else if o.VersionID != "" {
		loadInline(tx, &o)
	}
	if o.Inline == nil && o.BlobID == "" && len(o.Parts) == 0 && !o.DeleteMarker {
		o.Inline = []byte{}
	}
	return o, nil
}

func putVersion(vb Bucket, o store.Object) error {
	sv := storedVersion{Object: o}
	if o.VersionID == "" {
		sv.Data = o.Inline
	}
	data, err := json.Marshal(sv)
	if err != nil {
		return err
	}
	return vb.Put(versionKey(&o), data)
}

// findVersion finds versionID ("null" for the null version) among the
// noncurrent versions of key; nil if none.
func findVersion(tx Tx, vb Bucket, key, versionID string) ([]byte, *store.Object, error) {
	if vb == nil {
		return nil, nil, nil
	}
	prefix := append([]byte(key), 0)
	c := vb.Cursor()
	if seq, ok := seqOf(versionID); ok && versionID != "null" {
		k := versionKey(&store.Object{Key: key, Seq: seq, VersionID: versionID})
		if v := vb.Get(k); v != nil {
			o, err := decodeVersion(tx, v)
			return k, &o, err
		}
		return nil, nil, nil
	}
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		o, err := decodeVersion(tx, v)
		if err != nil {
			return nil, nil, err
		}
		if o.Key != key {
			continue
		}
		if versionID == "null" && o.IsNull() || o.VersionID == versionID {
			return append([]byte(nil), k...), &o, nil
		}
	}
	return nil, nil, nil
}

// newestVersion returns the newest noncurrent version or delete marker of
// key; nil if none.
func newestVersion(tx Tx, vb Bucket, key string) ([]byte, *store.Object, error) {
	if vb == nil {
		return nil, nil, nil
	}
	prefix := append([]byte(key), 0)
	k, v := vb.Cursor().Seek(prefix)
	if k == nil || !bytes.HasPrefix(k, prefix) {
		return nil, nil, nil
	}
	o, err := decodeVersion(tx, v)
	return append([]byte(nil), k...), &o, err
}

// sameVersion reports whether o is versionID ("null": the null version).
func sameVersion(o *store.Object, versionID string) bool {
	return versionID == "null" && o.IsNull() || o.VersionID == versionID && versionID != ""
}

// demote makes the current version of a key noncurrent for a write of
// versionID, or returns it as gone if the write replaces it; it then
// removes a noncurrent null version that a null write replaces. With
// overwrite, the caller puts a new current version under the key at once,
// so the old one's objects/ and inline/ entries are left for it to
// replace rather than deleted first.
func demote(tx Tx, ob Bucket, bucket, key, versionID string, overwrite bool) (gone *store.Object, err error) {
	cur, err := current(tx, ob, bucket, key)
	if err != nil {
		return nil, err
	}
	vb, err := versionsOf(tx, bucket, true)
	if err != nil {
		return nil, err
	}
	if cur != nil {
		if !overwrite {
			if err := dropCurrent(tx, ob, bucket, key); err != nil {
				return nil, err
			}
		}
		if versionID == "null" && cur.IsNull() {
			return cur, dropInline(tx, cur)
		}
		if err := putVersion(vb, *cur); err != nil {
			return nil, err
		}
	}
	if versionID == "null" {
		k, old, err := findVersion(tx, vb, key, "null")
		if err != nil || old == nil {
			return nil, err
		}
		if err := dropInline(tx, old); err != nil {
			return nil, err
		}
		return old, vb.Delete(k)
	}
	return nil, nil
}

func dropCurrent(tx Tx, ob Bucket, bucket, key string) error {
	if ib := tx.Bucket(inlineB).Bucket([]byte(bucket)); ib != nil {
		if err := ib.Delete([]byte(key)); err != nil {
			return err
		}
	}
	return ob.Delete([]byte(key))
}

// storeObject writes o as the current version under PutObject's rules and
// returns the object gone for good.
func storeObject(tx Tx, ob Bucket, o store.Object, prev *store.Object) (*store.Object, error) {
	if o.VersionID == "" {
		return prev, putObject(tx, ob, o)
	}
	gone, err := demote(tx, ob, o.Bucket, o.Key, o.VersionID, true)
	if err != nil {
		return nil, err
	}
	return gone, putObject(tx, ob, o)
}

// promote restores the invariant after a version of key went: if no
// current version is left and the newest remaining one is not a delete
// marker, it becomes current.
func promote(tx Tx, ob Bucket, vb Bucket, bucket, key string) error {
	if ob.Get([]byte(key)) != nil {
		return nil
	}
	k, o, err := newestVersion(tx, vb, key)
	if err != nil || o == nil || o.DeleteMarker {
		return err
	}
	if err := vb.Delete(k); err != nil {
		return err
	}
	return putObject(tx, ob, *o)
}

// PutDeleteMarker implements store.Store.
func (s *Store) PutDeleteMarker(ctx context.Context, m store.Object) (gone *store.Object, err error) {
	err = s.update(ctx, func(tx Tx) error {
		ob, err := nested(tx, objectsB, m.Bucket)
		if err != nil {
			return err
		}
		if gone, err = demote(tx, ob, m.Bucket, m.Key, m.VersionID, false); err != nil {
			return err
		}
		vb, err := versionsOf(tx, m.Bucket, true)
		if err != nil {
			return err
		}
		m.DeleteMarker, m.Inline, m.BlobID, m.Parts = true, nil, "", nil
		return putVersion(vb, m)
	})
	if err != nil {
		return nil, err
	}
	return gone, nil
}

// locate finds a version: in objects/ (vk nil) or in versions/ under vk.
// versionID "" is the latest version.
func locate(tx Tx, bucket, key, versionID string) (o *store.Object, vk []byte, err error) {
	ob, err := nested(tx, objectsB, bucket)
	if err != nil {
		return nil, nil, err
	}
	cur, err := current(tx, ob, bucket, key)
	if err != nil {
		return nil, nil, err
	}
	if cur != nil && (versionID == "" || sameVersion(cur, versionID)) {
		return cur, nil, nil
	}
	vb, _ := versionsOf(tx, bucket, false)
	if versionID == "" {
		if cur != nil {
			return cur, nil, nil
		}
		vk, o, err = newestVersion(tx, vb, key)
	} else {
		vk, o, err = findVersion(tx, vb, key, versionID)
	}
	if err == nil && o == nil {
		err = store.ErrNotFound
	}
	return o, vk, err
}

// GetVersion implements store.Store.
func (s *Store) GetVersion(ctx context.Context, bucket, key, versionID string) (o store.Object, err error) {
	err = s.view(ctx, func(tx Tx) error {
		v, _, err := locate(tx, bucket, key, versionID)
		if err == nil {
			o = *v
		}
		return err
	})
	return o, err
}

// DeleteVersion implements store.Store.
func (s *Store) DeleteVersion(ctx context.Context, bucket, key, versionID string, check func(o *store.Object) error) (o store.Object, err error) {
	err = s.update(ctx, func(tx Tx) error {
		v, vk, err := locate(tx, bucket, key, versionID)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(v); err != nil {
				return err
			}
		}
		o = *v
		ob, _ := nested(tx, objectsB, bucket)
		vb, err := versionsOf(tx, bucket, true)
		if err != nil {
			return err
		}
		if vk == nil {
			err = dropCurrent(tx, ob, bucket, key)
		} else {
			err = vb.Delete(vk)
		}
		if err != nil {
			return err
		}
		if err := dropInline(tx, &o); err != nil {
			return err
		}
		return promote(tx, ob, vb, bucket, key)
	})
	return o, err
}

// UpdateVersion implements store.Store.
func (s *Store) UpdateVersion(ctx context.Context, bucket, key, versionID string, fn func(o *store.Object) error) error {
	return s.update(ctx, func(tx Tx) error {
		v, vk, err := locate(tx, bucket, key, versionID)
		if err != nil {
			return err
		}
		o := *v
		if err := fn(&o); err != nil {
			return err
		}
		// What places the version may not change.
		o.Bucket, o.Key, o.VersionID, o.Seq, o.DeleteMarker = v.Bucket, v.Key, v.VersionID, v.Seq, v.DeleteMarker
		if vk == nil {
			ob, _ := nested(tx, objectsB, bucket)
			return putObject(tx, ob, o)
		}
		vb, err := versionsOf(tx, bucket, false)
		if err != nil {
			return err
		}
		return putVersion(vb, o)
	})
}

// ListVersions implements store.Store. It merges the two trees: for each
// key in order, its current version (the newest) and then its versions/
// records.
func (s *Store) ListVersions(ctx context.Context, bucket string, opt store.VersionListOptions) (out []store.Object, err error) {
	err = s.view(ctx, func(tx Tx) error {
		out = out[:0]
		ob, err := nested(tx, objectsB, bucket)
		if err != nil {
			return err
		}
		vb, _ := versionsOf(tx, bucket, false)
		full := func() bool { return opt.Limit > 0 && len(out) >= opt.Limit }
		emit := func(v []byte, version bool) error {
			var o store.Object
			var err error
			if version {
				o, err = decodeVersion(nil, v)
			} else {
				err = json.Unmarshal(v, &o)
			}
			out = append(out, o)
			return err
		}
		prefix := []byte(opt.Prefix)
		// Where keys start: after AfterKey (its remaining versions first),
		// or at the prefix.
		from := prefix
		if opt.AfterKey != "" && opt.AfterKey >= opt.Prefix {
			from = append([]byte(opt.AfterKey), 1) // > every version of AfterKey
			if opt.AfterVersion != "" && bytes.HasPrefix([]byte(opt.AfterKey), prefix) {
				if err := restOfKey(tx, ob, vb, bucket, opt.AfterKey, opt.AfterVersion, emit, full); err != nil {
					return err
				}
			}
		}
		oc := ob.Cursor()
		ok, ov := oc.Seek(from)
		var vc Cursor
		var vk, vv []byte
		var vkey []byte // the object key of vk
		nextV := func(k, v []byte) {
			vk, vv, vkey = k, v, nil
			if i := bytes.IndexByte(k, 0); i >= 0 {
				vkey = k[:i]
			}
		}
		if vb != nil {
			vc = vb.Cursor()
			nextV(vc.Seek(from))
		}
		for !full() {
			okIn := ok != nil && bytes.HasPrefix(ok, prefix)
			vkIn := vk != nil && bytes.HasPrefix(vkey, prefix)
			if !okIn && !vkIn {
				break
			}
			var key []byte
			switch {
			case okIn && vkIn:
				key = ok
				if bytes.Compare(vkey, ok) < 0 {
					key = vkey
				}
			case okIn:
				key = ok
			default:
				key = vkey
			}
			// Keys stay valid for the transaction's life: no copy.
			if okIn && bytes.Equal(ok, key) {
				if err := emit(ov, false); err != nil {
					return err
				}
				ok, ov = oc.Next()
			}
			for vk != nil && bytes.Equal(vkey, key) && !full() {
				if err := emit(vv, true); err != nil {
					return err
				}
				nextV(vc.Next())
			}
		}
		return nil
	})
	return out, err
}

// restOfKey emits the versions of key older than afterVersion.
func restOfKey(tx Tx, ob, vb Bucket, bucket, key, afterVersion string, emit func([]byte, bool) error, full func() bool) error {
	if vb == nil {
		return nil
	}
	prefix := append([]byte(key), 0)
	c := vb.Cursor()
	var k, v []byte
	cur, err := current(tx, ob, bucket, key)
	if err != nil {
		return err
	}
	if cur != nil && sameVersion(cur, afterVersion) {
		k, v = c.Seek(prefix) // every noncurrent version is older
	} else {
		vk, o, err := findVersion(tx, vb, key, afterVersion)
		if err != nil || o == nil {
			return err // an unknown marker: nothing more of this key
		}
		c.Seek(vk)
		k, v = c.Next()
	}
	for ; k != nil && bytes.HasPrefix(k, prefix) && !full(); k, v = c.Next() {
		if err := emit(v, true); err != nil {
			return err
		}
	}
	return nil
}
