package wallet

import "testing"

var benchOrder = []byte(`{"id":1007,"payee":"merchant:shop7","payee_name":"Luckin Coffee","lines":[{"item":"latte","name":"Latte","quantity":1,"unit_price":1234,"amount":1234}],"total":1234,"currency":"CNY","state":"paid","channel":"voice","created":"2026-04-15T12:00:00.123456789Z","updated":"2026-04-15T12:00:10.223456789Z","expires":"2026-04-15T12:10:00.123456789Z","nonce":"6ff8e531236ac38d7e1d5d6b","version":1,"hold_id":2,"hold_expires":"2026-04-15T12:05:00.123456789Z","decision":{"action":"allow","reasons":["no rule matched"]},"receipt":{"order_id":1,"order_hash":"86dd23fd17073cbfcda1b85e5f6b3930604c03fc6d31f731121b683d179a0e69","amount":1234,"currency":"CNY","device":"glasses","method":"session","time":"2026-04-15T12:00:15.3234567Z","signature":"RCMnGk/RA8QoyhhcP/CNBBpnY6RHd9Cq98M8w7CtbQeCEC3UPi/p77jP4Kq6w8sJZ+ZPAG/RNr3FfYw7nRnhBQ=="}}`)

func BenchmarkPack(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		pack(benchOrder)
	}
}

func BenchmarkUnpack(b *testing.B) {
	p := pack(benchOrder)
	b.ReportAllocs()
	for b.Loop() {
		unpack(p)
	}
}
