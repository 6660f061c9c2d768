package store

import "encoding/json"

// GetJSON reads the record kind/id and decodes it as JSON into a T. A
// missing record returns ErrNotFound and T's zero value.
func GetJSON[T any](tx RecordTx, kind, id string) (T, error) {
	var v T
	b, err := tx.Get(kind, id)
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(b, &v)
}

// PutJSON encodes v as JSON and stores it as the record kind/id.
func PutJSON(tx RecordTx, kind, id string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.Put(kind, id, b)
}
