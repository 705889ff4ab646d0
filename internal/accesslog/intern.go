package accesslog

import (
	"bytes"
	"encoding/binary"
	"math/bits"
)

// interner gives each distinct byte string a dense index 0, 1, 2… It is the
// hot spot of the analysis (every event looks up its user, patient and
// workstation), so it avoids Go strings and maps: keys of up to 16 bytes —
// nearly every user, patient and workstation ID — live inside the hash slot
// and are compared there, which costs one cache miss per lookup; longer keys
// are compared against an arena.
type interner struct {
	slots []islot
	mask  uint64
	arena []byte
	offs  []uint32 // key i is arena[offs[i]:offs[i+1]]
}

// islot is one hash slot. idx is the key's index plus one; 0 marks an empty slot.
type islot struct {
	lo, hi uint64
	meta   uint32 // high 24 bits of the hash, low 8 bits the key length (capped)
	idx    uint32
}

func newInterner(capacity int) *interner {
	n := 16
	for n < capacity*2 {
		n <<= 1
	}
	return &interner{slots: make([]islot, n), mask: uint64(n - 1), offs: []uint32{0}}
}

// Len returns the number of distinct keys.
func (t *interner) Len() int { return len(t.offs) - 1 }

// Key returns key i. The slice must not be changed.
func (t *interner) Key(i uint32) []byte { return t.arena[t.offs[i]:t.offs[i+1]] }

// pack loads a key of up to 16 bytes into two words. The two halves may
// overlap; since the key's length is compared too, equal words and length
// mean equal keys.
func pack(b []byte) (lo, hi uint64) {
	n := len(b)
	switch {
	case n >= 8:
		return binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	case n >= 4:
		return uint64(binary.LittleEndian.Uint32(b)) | uint64(binary.LittleEndian.Uint32(b[n-4:]))<<32, 0
	case n > 0:
		return uint64(b[0]) | uint64(b[n/2])<<8 | uint64(b[n-1])<<16, 0
	}
	return 0, 0
}

// hashKey hashes a key; short keys with a multiply-mix, long ones with maphash.
func (t *interner) hashKey(b []byte) (h, lo, hi uint64) {
	if len(b) <= 16 {
		lo, hi = pack(b)
		m := (lo ^ bits.RotateLeft64(hi, 31) ^ uint64(len(b))<<58) * 0x9e3779b97f4a7c15
		m ^= m >> 29
		m *= 0xbf58476d1ce4e5b9
		m ^= m >> 32
		return m, lo, hi
	}
	// Longer keys (action texts, long IDs): every eight-byte word is mixed
	// in; equal hashes are confirmed against the arena.
	n := len(b)
	lo, hi = binary.LittleEndian.Uint64(b), binary.LittleEndian.Uint64(b[n-8:])
	m := uint64(n) * 0x9e3779b97f4a7c15
	for i := 0; i+8 <= n; i += 8 {
		m = bits.RotateLeft64(m^binary.LittleEndian.Uint64(b[i:]), 27) * 0xbf58476d1ce4e5b9
	}
	m = bits.RotateLeft64(m^hi, 27) * 0x94d049bb133111eb
	m ^= m >> 31
	return m, lo, hi
}

func metaOf(h uint64, n int) uint32 {
	return uint32(h>>40)<<8 | uint32(min(n, 255))
}

// Lookup returns the index of key b, adding it if it is new.
func (t *interner) Lookup(b []byte) (idx uint32, added bool) {
	h, lo, hi := t.hashKey(b)
	meta := metaOf(h, len(b))
	short := len(b) <= 16
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.idx == 0 {
			return t.insert(i, b, lo, hi, meta), true
		}
		if s.meta == meta && s.lo == lo && s.hi == hi && (short || bytes.Equal(t.Key(s.idx-1), b)) {
			return s.idx - 1, false
		}
	}
}

// Find returns the index of key b and whether it is known, without adding it.
func (t *interner) Find(b []byte) (uint32, bool) {
	h, lo, hi := t.hashKey(b)
	meta := metaOf(h, len(b))
	short := len(b) <= 16
	for i := h & t.mask; ; i = (i + 1) & t.mask {
		s := &t.slots[i]
		if s.idx == 0 {
			return 0, false
		}
		if s.meta == meta && s.lo == lo && s.hi == hi && (short || bytes.Equal(t.Key(s.idx-1), b)) {
			return s.idx - 1, true
		}
	}
}

func (t *interner) insert(i uint64, b []byte, lo, hi uint64, meta uint32) uint32 {
	idx := uint32(t.Len())
	t.arena = append(t.arena, b...)
	t.offs = append(t.offs, uint32(len(t.arena)))
	t.slots[i] = islot{lo: lo, hi: hi, meta: meta, idx: idx + 1}
	if uint64(t.Len())*8 > t.mask*5 { // load factor 5/8
		t.grow()
	}
	return idx
}

func (t *interner) grow() {
	old := t.slots
	t.slots = make([]islot, len(old)*2)
	t.mask = uint64(len(t.slots) - 1)
	for _, s := range old {
		if s.idx == 0 {
			continue
		}
		h, _, _ := t.hashKey(t.Key(s.idx - 1))
		for i := h & t.mask; ; i = (i + 1) & t.mask {
			if t.slots[i].idx == 0 {
				t.slots[i] = s
				break
			}
		}
	}
}

// intSet is a small open-addressing set of uint32 values, cleared and reused
// day after day for each user's distinct patients.
type intSet struct {
	slots []uint32 // value+1; 0 = empty
	n     int
}

// Add adds v and reports whether it was new.
func (s *intSet) Add(v uint32) bool {
	if len(s.slots) == 0 {
		s.slots = make([]uint32, 32)
	}
	mask := uint32(len(s.slots) - 1)
	k := v + 1
	for i := s.home(v); ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = k
			s.n++
			if s.n*2 > len(s.slots) {
				s.grow()
			}
			return true
		case k:
			return false
		}
	}
}

// home is the slot where the search for v starts; the set must have slots.
func (s *intSet) home(v uint32) uint32 {
	return (v * 0x9e3779b1) >> 7 & uint32(len(s.slots)-1)
}

func (s *intSet) grow() {
	old := s.slots
	s.slots = make([]uint32, len(old)*2)
	s.n = 0
	for _, k := range old {
		if k != 0 {
			s.Add(k - 1)
		}
	}
}

// Reset empties the set, keeping a modest amount of memory.
func (s *intSet) Reset() {
	if s.n == 0 {
		return
	}
	if len(s.slots) > 1024 {
		s.slots = nil
	} else {
		clear(s.slots)
	}
	s.n = 0
}

// Len returns the number of values in the set.
func (s *intSet) Len() int { return s.n }
