package ws

import (
	"net/http"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// AuditLog is the answer of GET /v1/audit/log: the audit chain's entries
// since a time, oldest first.
type AuditLog struct {
	Entries []wallet.AuditEntry `json:"entries"`
}

// auditLog answers GET /v1/audit/log?since=RFC3339; no since gives every
// entry.
func (s *Server) auditLog(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var since time.Time
	if q := r.URL.Query().Get("since"); q != "" {
		t, err := time.Parse(time.RFC3339Nano, q)
		if err != nil {
			s.writeError(w, wallet.Errorf(wallet.EINVALID, "since must be an RFC 3339 time, such as 2026-12-07T10:00:00Z"))
			return
		}
		since = t
	}
	entries, err := s.Hub.DB.AuditSince(r.Context(), since)
	if err != nil {
		s.writeError(w, err)
		return
	}
	if entries == nil {
		entries = []wallet.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, AuditLog{Entries: entries})
}
