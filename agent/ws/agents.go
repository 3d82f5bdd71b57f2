package ws

import (
	"net/http"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// AddAgentRequest pairs an agent.
type AddAgentRequest struct {
	Name string `json:"name"`
}

// AddAgentResponse carries the new agent's token, shown once.
type AddAgentResponse struct {
	Agent agent.AgentInfo `json:"agent"`
	Token string          `json:"token"`
}

// RevokeAgentRequest revokes an agent's token.
type RevokeAgentRequest struct {
	Name string `json:"name"`
}

// The agent endpoints take a user token: a person pairs and revokes
// agents, an agent never does.

func (s *Server) agents(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	list, err := agent.Agents(r.Context(), s.Hub.DB)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"agents": list})
}

func (s *Server) addAgent(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req AddAgentRequest
	if !s.decode(w, r, &req) {
		return
	}
	a, token, err := agent.AddAgent(r.Context(), s.Hub.DB, req.Name)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, AddAgentResponse{Agent: *a, Token: token})
}

func (s *Server) revokeAgent(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req RevokeAgentRequest
	if !s.decode(w, r, &req) {
		return
	}
	if err := agent.RevokeAgent(r.Context(), s.Hub.DB, req.Name); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"revoked": req.Name})
}
