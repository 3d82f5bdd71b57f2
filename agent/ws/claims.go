package ws

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"

	"github.com/voicepay/voicepay/wallet"
)

// FileClaimRequest reports a payment as unauthorized. Key makes a retry
// safe; without one, the same request filed again is the same claim.
type FileClaimRequest struct {
	Transfer uint64 `json:"transfer"`
	Reason   string `json:"reason,omitempty"`
	Key      string `json:"key,omitempty"`
}

// DecideClaimRequest approves or rejects a claim waiting for review.
type DecideClaimRequest struct {
	ID   uint64 `json:"id"`
	Note string `json:"note,omitempty"`
}

// fileClaim files a claim: it is reimbursed at once when the ledger's
// evidence shows the payment unauthorized, and waits for review otherwise.
func (s *Server) fileClaim(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	var req FileClaimRequest
	if !s.decode(w, r, &req) {
		return
	}
	key := req.Key
	if key == "" {
		key = fmt.Sprintf("api:claim-%d-%x", req.Transfer, sha256.Sum256([]byte(d.ID+"\x00"+req.Reason)))
	}
	c, err := s.Hub.DB.FileClaim(r.Context(), key,
		wallet.ClaimRequest{Transfer: req.Transfer, Reason: req.Reason, Device: d.ID})
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"claim": c})
}

// claims lists every claim, newest first.
func (s *Server) claims(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	cs, err := s.Hub.DB.Claims(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"claims": cs})
}

// approveClaim pays back a claim waiting for review; approving it again
// pays nothing more.
func (s *Server) approveClaim(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	s.decideClaim(w, r, d, s.Hub.DB.ApproveClaim)
}

// rejectClaim refuses a claim waiting for review.
func (s *Server) rejectClaim(w http.ResponseWriter, r *http.Request, d *wallet.Device) {
	s.decideClaim(w, r, d, s.Hub.DB.RejectClaim)
}

func (s *Server) decideClaim(w http.ResponseWriter, r *http.Request, d *wallet.Device,
	decide func(ctx context.Context, id uint64, note, by string) (*wallet.Claim, error)) {
	var req DecideClaimRequest
	if !s.decode(w, r, &req) {
		return
	}
	c, err := decide(r.Context(), req.ID, req.Note, d.ID)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"claim": c})
}
