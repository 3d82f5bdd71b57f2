package main

import (
	"fmt"
	"strings"

	"github.com/boombuler/barcode/qr"
)

// qrQuiet is the quiet zone around a terminal QR code, in modules. The
// standard asks for four; the terminal's own margin makes up the rest.
const qrQuiet = 2

// renderQR draws text as a QR code for a terminal, two module rows to a
// line in Unicode half blocks. Light modules, the quiet zone among them,
// are drawn and dark ones left blank, for the light-on-dark terminals that
// most people use (as qrencode -t UTF8 does).
func renderQR(text string) (string, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	b := code.Bounds()
	n := b.Dx() + 2*qrQuiet
	light := func(x, y int) bool {
		x, y = x-qrQuiet, y-qrQuiet
		if x < 0 || y < 0 || x >= b.Dx() || y >= b.Dy() {
			return y < b.Dy()+qrQuiet // the quiet zone, not the row past it
		}
		r, _, _, _ := code.At(b.Min.X+x, b.Min.Y+y).RGBA()
		return r > 0x7fff
	}
	var sb strings.Builder
	for y := 0; y < n; y += 2 {
		for x := range n {
			top, bottom := light(x, y), y+1 < n && light(x, y+1)
			switch {
			case top && bottom:
				sb.WriteString("█")
			case top:
				sb.WriteString("▀")
			case bottom:
				sb.WriteString("▄")
			default:
				sb.WriteByte(' ')
			}
		}
		sb.WriteByte('\n')
	}
	return sb.String(), nil
}
