package ws

import (
	"fmt"
	"net/http"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// liveMandates are the states the API lists: waiting for the person, or
// approved (with money left in the period, or not).
var liveMandates = []wallet.MandateState{wallet.MandateProposed, wallet.MandateActive, wallet.MandateExhausted}

// mandates lists the tips and subscriptions that wait for approval or were
// approved, oldest first, as the stream's events show them.
func (s *Server) mandates(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	ms, err := s.Hub.DB.FindMandates(r.Context(), wallet.MandateFilter{States: liveMandates})
	if err != nil {
		s.writeError(w, err)
		return
	}
	out := make([]*agent.Mandate, 0, len(ms))
	for _, m := range ms {
		out = append(out, agent.ViewMandate(m))
	}
	writeJSON(w, http.StatusOK, map[string]any{"mandates": out})
}

// RevokeMandateRequest names the mandate to end.
type RevokeMandateRequest struct {
	ID uint64 `json:"id"`
}

// revokeMandate ends a mandate: one still waiting is declined, an approved
// one is revoked, so that its agent may charge nothing more. Asking twice
// answers the same.
func (s *Server) revokeMandate(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req RevokeMandateRequest
	if !s.decode(w, r, &req) {
		return
	}
	db := s.Hub.DB
	m, err := db.Mandate(r.Context(), req.ID)
	if err != nil {
		s.writeError(w, err)
		return
	}
	switch {
	case m.State == wallet.MandateProposed:
		m, err = db.DeclineMandate(r.Context(), fmt.Sprintf("api:decline-%d", m.ID), m.ID)
	default: // the wallet refuses one that has ended otherwise
		m, err = db.RevokeMandate(r.Context(), fmt.Sprintf("api:revoke-%d", m.ID), m.ID)
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"mandate": agent.ViewMandate(m)})
}
