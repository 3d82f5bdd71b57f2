package wallet

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestPack packs what the ledger stores and reads it back: packed records
// come back byte for byte, at well under their size; plain JSON, as a
// ledger written before packing holds it, reads as it is.
func TestPack(t *testing.T) {
	transfer := []byte(`{"id":2003,"kind":"post","debit":"user","credit":"merchant:shop1","amount":1234,"currency":"CNY","pending_id":2002,"time":"2026-04-15T12:00:00.123456789Z","ref":"order:1000"}`)
	for _, v := range [][]byte{benchOrder, transfer} {
		p := pack(v)
		if p[0] != packMark1 || len(p) > len(v)/2 {
			t.Errorf("packed %d bytes into %d (mark %#x), want under half", len(v), len(p), p[0])
		}
		if !bytes.Equal(pack(v), p) {
			t.Error("packing the same record twice gave different bytes")
		}
		got, err := unpack(p)
		if err != nil || !bytes.Equal(got, v) {
			t.Errorf("unpack: %q, %v; want %q", got, err, v)
		}
		if got, err := unpack(v); err != nil || !bytes.Equal(got, v) {
			t.Errorf("unpack of plain JSON: %q, %v", got, err)
		}
	}
	if v := []byte(`{}`); !bytes.Equal(pack(v), v) {
		t.Errorf("pack(%q) = %q, want it stored plain: packing would not shrink it", v, pack(v))
	}
}

// TestUnpackDamaged reads values a damaged or foreign file could hold:
// each gives an error or some bytes, never a panic, and never more than
// maxUnpacked. (Which damage goes unseen here, audit verify finds by the
// record's binding.)
func TestUnpackDamaged(t *testing.T) {
	if _, err := unpack([]byte{0x07, '{', '}'}); !errors.Is(err, errPackMark) {
		t.Errorf("unknown mark: %v, want errPackMark", err)
	}
	p := pack(benchOrder)
	rng := rand.New(rand.NewPCG(1, 2))
	failed := 0
	for i := range 2000 {
		v := bytes.Clone(p)
		switch i % 3 {
		case 0:
			v[1+rng.IntN(len(v)-1)] ^= byte(1 + rng.IntN(255))
		case 1:
			v = v[:1+rng.IntN(len(v)-1)]
		default:
			v = append([]byte{packMark1}, make([]byte, rng.IntN(64))...)
			for j := 1; j < len(v); j++ {
				v[j] = byte(rng.Uint32())
			}
		}
		out, err := unpack(v)
		if err != nil {
			failed++
		} else if len(out) > maxUnpacked {
			t.Fatalf("unpacked %d bytes, over the bound %d", len(out), maxUnpacked)
		}
	}
	if failed < 500 {
		t.Errorf("%d of 2000 damaged values gave an error, want many: every cut one", failed)
	}
	// A value that claims to unpack past the bound.
	if _, err := unpack(pack(bytes.Repeat([]byte{'a'}, 2*maxUnpacked))); err == nil {
		t.Error("a value unpacking past the bound was read")
	}
}
