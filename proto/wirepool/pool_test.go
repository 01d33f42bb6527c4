package wirepool

import "testing"

func TestPool(t *testing.T) {
	p := &Pool{}
	for _, n := range []int{0, 1, 256, 257, 1000, 4096, 1 << 20} {
		b := p.Get(n)
		if len(*b) != n {
			t.Fatalf("Get(%d) has length %d", n, len(*b))
		}
		if c := cap(*b); c < n || c&(c-1) != 0 || c < 1<<minShift {
			t.Fatalf("Get(%d) has capacity %d, not a pooled size", n, c)
		}
		p.Put(b)
	}
	big := p.Get(1<<20 + 1)
	if len(*big) != 1<<20+1 {
		t.Fatalf("large Get has length %d", len(*big))
	}
	p.Put(big) // dropped, not pooled
	odd := make([]byte, 300)
	p.Put(&odd) // not a pooled capacity: dropped
	if b := p.Get(300); cap(*b) != 512 {
		t.Fatalf("Get(300) reused a buffer of capacity %d", cap(*b))
	}
}
