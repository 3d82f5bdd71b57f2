package ws

import (
	"net/http"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// AddAgentRequest pairs an agent with the default grants, plus Allow and
// less Deny (each a grant name, or a comma-separated list of them). For an
// agent already paired as Name, Allow and Deny change its grants and keep
// its token.
type AddAgentRequest struct {
	Name  string   `json:"name"`
	Allow []string `json:"allow,omitempty"`
	Deny  []string `json:"deny,omitempty"`
}

// AddAgentResponse carries the new agent's token, shown once, and its
// grants. Token is empty when the request changed the grants of an agent
// already paired.
type AddAgentResponse struct {
	Agent agent.AgentInfo `json:"agent"`
	Token string          `json:"token,omitempty"`
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
	a, token, err := agent.AddAgent(r.Context(), s.Hub.DB, req.Name, req.Allow, req.Deny)
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
	if err := s.Hub.RevokeAgent(r.Context(), req.Name); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"revoked": req.Name})
}
