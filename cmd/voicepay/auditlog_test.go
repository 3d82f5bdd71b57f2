package main

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// TestDescribePrune checks how the audit log reads a prune of idempotency
// records.
func TestDescribePrune(t *testing.T) {
	before := time.Date(2026, 4, 15, 12, 0, 0, 0, time.Local)
	data, _ := json.Marshal(map[string]any{"bucket": "idempotency", "before": before, "records": 42})
	got := describe(wallet.AuditEntry{Kind: "prune", Data: data})
	if want := "pruned 42 idempotency records made before 2026-04-15 12:00:00"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
