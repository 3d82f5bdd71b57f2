package main

import (
	"strings"
	"testing"
)

// TestRenderQR checks the terminal QR code's size and its three finder
// patterns, read back from the half blocks; it decodes nothing.
func TestRenderQR(t *testing.T) {
	out, err := renderQR("http://127.0.0.1:8421/#pair=K7QM-3XPD")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	width := len([]rune(lines[0]))
	// Version 3 at level M holds the link: 29 modules, and the quiet zone.
	if want := 29 + 2*qrQuiet; width != want {
		t.Fatalf("width %d, want %d", width, want)
	}
	if want := (width + 1) / 2; len(lines) != want {
		t.Fatalf("%d lines, want %d: two module rows each", len(lines), want)
	}
	// halves tells which halves of a character are light: top, bottom.
	halves := map[rune][2]bool{'█': {true, true}, '▀': {true, false}, '▄': {false, true}, ' ': {}}
	// dark[y][x] is true for a dark module, as a scanner sees it.
	dark := make([][]bool, 2*len(lines))
	for i, line := range lines {
		runes := []rune(line)
		if len(runes) != width {
			t.Fatalf("line %d is %d wide, want %d", i, len(runes), width)
		}
		dark[2*i], dark[2*i+1] = make([]bool, width), make([]bool, width)
		for x, r := range runes {
			light, ok := halves[r]
			if !ok {
				t.Fatalf("line %d has %q", i, r)
			}
			dark[2*i][x], dark[2*i+1][x] = !light[0], !light[1]
		}
	}
	for y := range width {
		for x := range width {
			quiet := x < qrQuiet || y < qrQuiet || x >= width-qrQuiet || y >= width-qrQuiet
			if quiet && dark[y][x] {
				t.Fatalf("dark module (%d, %d) in the quiet zone", x, y)
			}
		}
	}
	// A finder pattern: a dark 7x7 ring, a light ring, a dark 3x3 centre.
	finder := func(x0, y0 int) {
		t.Helper()
		for y := range 7 {
			for x := range 7 {
				ring := max(abs(x-3), abs(y-3))
				if want := ring != 2; dark[y0+y][x0+x] != want {
					t.Errorf("finder at (%d, %d): module (%d, %d) dark=%v, want %v", x0, y0, x, y, !want, want)
				}
			}
		}
	}
	far := width - qrQuiet - 7
	finder(qrQuiet, qrQuiet)
	finder(far, qrQuiet)
	finder(qrQuiet, far)
}

func abs(x int) int { return max(x, -x) }
