package bolt

import (
	"errors"

	bbolt "go.etcd.io/bbolt"
)

// A call is one writer's transaction function waiting for a group commit.
type call struct {
	fn   func(*bbolt.Tx) error
	done chan error
}

// failed reports which call of a group failed.
type failed struct {
	i   int
	err error
}

func (f *failed) Error() string { return f.err.Error() }

// batch runs fn in a read-write transaction, sharing it with whatever
// other writers are waiting: while one group commits (and fsyncs), the
// next group gathers, so a lone writer commits at once and many writers
// pay for one fsync between them. This is bbolt's Batch without its timer,
// which would add latency to every lone write.
//
// If one function of a group fails, the transaction rolls back; that
// function's error is returned to its caller alone (by running it by
// itself) and the rest of the group is run again. Hence functions may run
// more than once.
func (s *engine) batch(fn func(*bbolt.Tx) error) error {
	c := &call{fn: fn, done: make(chan error, 1)}
	s.mu.Lock()
	s.pending = append(s.pending, c)
	if !s.running {
		s.running = true
		go s.commitLoop()
	}
	s.mu.Unlock()
	return <-c.done
}

// maxGroup bounds a group so one transaction stays short.
const maxGroup = 256

func (s *engine) commitLoop() {
	for {
		s.mu.Lock()
		group := s.pending
		if len(group) > maxGroup {
			group = group[:maxGroup:maxGroup]
		}
		s.pending = s.pending[len(group):]
		if len(group) == 0 {
			s.pending = nil
			s.running = false
			s.mu.Unlock()
			return
		}
		s.mu.Unlock()
		s.commitGroup(group)
	}
}

func (s *engine) commitGroup(group []*call) {
	for len(group) > 0 {
		err := s.db.Update(func(tx *bbolt.Tx) error {
			for i, c := range group {
				if err := c.fn(tx); err != nil {
					return &failed{i, err}
				}
			}
			return nil
		})
		var f *failed
		if !errors.As(err, &f) {
			for _, c := range group {
				c.done <- err
			}
			return
		}
		// Those before the failure must run again; the failure answers
		// alone, with whatever it does in a transaction of its own.
		bad := group[f.i]
		if f.i == 0 {
			bad.done <- f.err
		} else {
			bad.done <- s.db.Update(func(tx *bbolt.Tx) error { return bad.fn(tx) })
		}
		group = append(group[:f.i:f.i], group[f.i+1:]...)
	}
}
