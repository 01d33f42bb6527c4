package client

import (
	"sort"
	"sync"

	pb "github.com/drover/drover/proto/droverpb"
)

// Store is an informer's copy of the objects it follows, keyed by
// namespace and name. Objects handed out are shared: do not modify them.
type Store struct {
	mu    sync.RWMutex
	items map[string]*pb.Object
	// rv is the revision the copy is exact at.
	rv uint64
}

func newStore() *Store { return &Store{items: map[string]*pb.Object{}} }

// storeKey is "namespace/name" ("name" for cluster-scoped objects).
func storeKey(o *pb.Object) string {
	m := o.GetMetadata()
	if m.GetNamespace() == "" {
		return m.GetName()
	}
	return m.GetNamespace() + "/" + m.GetName()
}

// Get returns the object, or nil.
func (s *Store) Get(namespace, name string) *pb.Object {
	key := name
	if namespace != "" {
		key = namespace + "/" + name
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.items[key]
}

// List returns every object, sorted by namespace and name.
func (s *Store) List() []*pb.Object {
	s.mu.RLock()
	out := make([]*pb.Object, 0, len(s.items))
	for _, o := range s.items {
		out = append(out, o)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return storeKey(out[i]) < storeKey(out[j]) })
	return out
}

// Len returns the number of objects.
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.items)
}

// ResourceVersion is the revision the copy is exact at: every change up to
// it, and none after it, is in the copy.
func (s *Store) ResourceVersion() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.rv
}

// put stores o at revision rv and returns the object it replaced.
func (s *Store) put(o *pb.Object, rv uint64) *pb.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := storeKey(o)
	old := s.items[key]
	s.items[key] = o
	s.rv = max(s.rv, rv)
	return old
}

// remove drops o's key at revision rv and returns what was there.
func (s *Store) remove(o *pb.Object, rv uint64) *pb.Object {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := storeKey(o)
	old := s.items[key]
	delete(s.items, key)
	s.rv = max(s.rv, rv)
	return old
}

// advance records progress without a change.
func (s *Store) advance(rv uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rv = max(s.rv, rv)
}

// replace makes items the whole copy, at revision rv, and returns the
// differences: objects added, pairs (old, new) changed, objects gone.
func (s *Store) replace(items map[string]*pb.Object, rv uint64) (added []*pb.Object, updated [][2]*pb.Object, deleted []*pb.Object) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key, o := range items {
		old, ok := s.items[key]
		switch {
		case !ok:
			added = append(added, o)
		case old.GetMetadata().GetResourceVersion() != o.GetMetadata().GetResourceVersion():
			updated = append(updated, [2]*pb.Object{old, o})
		}
	}
	for key, old := range s.items {
		if _, ok := items[key]; !ok {
			deleted = append(deleted, old)
		}
	}
	s.items, s.rv = items, rv
	byKey := func(list []*pb.Object) {
		sort.Slice(list, func(i, j int) bool { return storeKey(list[i]) < storeKey(list[j]) })
	}
	byKey(added)
	byKey(deleted)
	sort.Slice(updated, func(i, j int) bool { return storeKey(updated[i][1]) < storeKey(updated[j][1]) })
	return added, updated, deleted
}
