package intent

// seenTable maps (position, state) keys to thread indices: an open-addressing
// hash table that keeps its memory between parses.
type seenTable struct {
	keys []uint64 // key+1; 0 is empty
	vals []int32
	n    int
}

func (t *seenTable) reset() {
	if t.keys == nil {
		t.keys = make([]uint64, 256)
		t.vals = make([]int32, 256)
	}
	clear(t.keys)
	t.n = 0
}

func (t *seenTable) slot(key uint64) int {
	mask := uint64(len(t.keys) - 1)
	i := (key * 0x9e3779b97f4a7c15 >> 20) & mask
	for t.keys[i] != 0 && t.keys[i] != key+1 {
		i = (i + 1) & mask
	}
	return int(i)
}

func (t *seenTable) get(key uint64) (int32, bool) {
	i := t.slot(key)
	if t.keys[i] == 0 {
		return 0, false
	}
	return t.vals[i], true
}

func (t *seenTable) put(key uint64, v int32) {
	if 2*(t.n+1) > len(t.keys) {
		t.grow()
	}
	i := t.slot(key)
	if t.keys[i] == 0 {
		t.n++
	}
	t.keys[i], t.vals[i] = key+1, v
}

func (t *seenTable) grow() {
	keys, vals := t.keys, t.vals
	t.keys = make([]uint64, 2*len(keys))
	t.vals = make([]int32, 2*len(vals))
	t.n = 0
	for i, k := range keys {
		if k != 0 {
			t.put(k-1, vals[i])
		}
	}
}
