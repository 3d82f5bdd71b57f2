package wallet

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// The records that grow with every payment and charge (orders, transfers,
// charges, idempotency records) and the audit entries are stored packed:
// their JSON compressed with DEFLATE against a preset dictionary of the
// ledger's own field names and common values, behind a one-byte mark. A
// packed order takes about a third of its JSON, a packed transfer a
// quarter; what stays large is what cannot be compressed: hashes,
// signatures and nonces.
//
// A stored value that starts with anything but a mark is plain JSON (a
// ledger written before packing, or a value packing would not shrink), and
// is read as it is. The hash that binds a record to the chain is of the
// bytes stored, packed or not; an audit entry's hash is of its fields, so
// it is the same however the entry is stored.

// packMark1 marks a value packed with DEFLATE and packDict1. The dictionary
// of a mark never changes: a new one takes a new mark, and every mark
// stays readable.
const packMark1 = 0x01

// packDict1 is the dictionary of packMark1: JSON fragments of the ledger's
// records and audit entries, the most common last (DEFLATE finds the
// nearest match first). Its size is a trade: packing reads it whole for
// every record.
var packDict1 = []byte(`"state":"cancelled","state":"expired","reason":"",` +
	`{"action":"block","reasons":["` + `{"action":"step_up","reasons":["` +
	`"kind":"mandate","data":{"event":"charged","mandate":{"id":,"kind":"subscription",` +
	`"state":"active","agent":"","payee":"payee:","payee_name":"","currency":"CNY",` +
	`"period_start":"2026-","period_spent":,"total_spent":,"charges":},"charge":{"id":,` +
	`"units":1,"amount":,"transfer":}}{"id":,"mandate":,"agent":"","units":1,"amount":,` +
	`"transfer":,"kind":"receipt","data":{"order_id":,"order_hash":"","amount":,` +
	`"currency":"CNY","device":"","method":"session","time":"2026-","signature":""}` +
	`,"kind":"order","data":{"event":"paid","order":{"id":,"payee":"merchant:",` +
	`"payee_name":"","total":,"currency":"CNY","state":"paid","channel":"voice",` +
	`"version":1,"hold_id":,"receipt":{"device":"","method":"session"}}}` +
	`{"id":,"payee":"merchant:","payee_name":"","lines":[{"item":"","name":"",` +
	`"quantity":1,"unit_price":,"amount":}],"total":,"currency":"CNY","state":"drafted",` +
	`"channel":"voice","created":"2026-","updated":"2026-","expires":"2026-","nonce":"",` +
	`"version":1,"hold_id":,"hold_expires":"2026-","decision":{"action":"allow",` +
	`"reasons":["no rule matched"]}},"receipt":{"order_id":,"order_hash":"",` +
	`,"kind":"risk","data":{"ref":"order:","payee":"merchant:","amount":,"channel":"voice",` +
	`"decision":{"action":"allow","reasons":["no rule matched"]}}` +
	`,"kind":"transfer","data":{"id":,"kind":"post","debit":"user","credit":"merchant:",` +
	`"amount":,"currency":"CNY","pending_id":,"time":"2026-","ref":"order:"}` +
	`{"id":,"kind":"pending","debit":"user","credit":"merchant:","amount":,"currency":"CNY",` +
	`"expires":"2026-","time":"2026-","ref":"order:"}` +
	`"records":[["idempotency","","],["stats","ZGF5OjIwMjYt","],["stats","aG91cjoyMDI2L",` +
	`"],["stats","cmVwZWF0Om1lcmNoYW50O","],["transfers","AAAAAAAA","],["orders","AAAAAAAA",` +
	`"]],"hash":"{"seq":,"time":"2026-","kind":"order","data":{"event":"confirmed",` +
	`"order":{"id":,"payee":"merchant:","payee_name":"","total":,"currency":"CNY",` +
	`"state":"confirmed","channel":"voice","version":1,"hold_id":}}`)

var unpackers = sync.Pool{New: func() any { return flate.NewReaderDict(bytes.NewReader(nil), packDict1) }}

// pack returns v packed, or v itself when packing would not shrink it.
// Packing is stateless, so that each record costs only its own bytes and
// the dictionary's, and deterministic: the same record packs the same.
func pack(v []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(v)/2 + 16)
	buf.WriteByte(packMark1)
	if err := flate.StatelessDeflate(&buf, v, true, packDict1); err != nil || buf.Len() >= len(v) {
		return v
	}
	return buf.Bytes()
}

// errPackMark is the error of a stored value with a mark no voicepay
// writes: a damaged or foreign value.
var errPackMark = errors.New("unknown packing mark")

// unpack returns the JSON of a stored value, packed or plain. For a packed
// value what it returns is its own, and outlives the transaction.
func unpack(v []byte) ([]byte, error) {
	if len(v) == 0 || v[0] != packMark1 {
		if len(v) > 0 && v[0] < ' ' && v[0] != '\t' && v[0] != '\n' && v[0] != '\r' {
			return nil, fmt.Errorf("%w %#x", errPackMark, v[0])
		}
		return v, nil
	}
	r := unpackers.Get().(io.ReadCloser)
	defer unpackers.Put(r)
	if err := r.(flate.Resetter).Reset(bytes.NewReader(v[1:]), packDict1); err != nil {
		return nil, err
	}
	out, err := io.ReadAll(io.LimitReader(r, maxUnpacked+1))
	if err != nil {
		return nil, fmt.Errorf("unpack: %w", err)
	}
	if len(out) > maxUnpacked {
		return nil, fmt.Errorf("unpack: over %d bytes", maxUnpacked)
	}
	return out, nil
}

// maxUnpacked bounds what a packed value may unpack to: far above any
// record voicepay writes, so that a damaged value cannot exhaust memory.
const maxUnpacked = 1 << 20

// packed are the buckets whose records put stores packed.
var packed = map[string]bool{string(bucketOrders): true, string(bucketTransfer): true,
	string(bucketCharges): true}

// decodeStored decodes a stored record, packed or plain, into out.
func decodeStored(v []byte, out any) error {
	b, err := unpack(v)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
