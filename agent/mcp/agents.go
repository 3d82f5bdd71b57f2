package mcp

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// AgentInfo is a paired agent as the agent endpoints and the CLI list it.
type AgentInfo struct {
	Name    string    `json:"name"`
	Created time.Time `json:"created"`
}

// AddAgentRequest pairs an agent.
type AddAgentRequest struct {
	Name string `json:"name"`
}

// AddAgentResponse carries the new agent's token, shown once.
type AddAgentResponse struct {
	Agent AgentInfo `json:"agent"`
	Token string    `json:"token"`
}

// RevokeAgentRequest revokes an agent's token.
type RevokeAgentRequest struct {
	Name string `json:"name"`
}

// AddAgent pairs an agent-scope device called name and returns its token,
// which is stored only as a hash. A name already in use, by an agent or a
// person's device, is a conflict: revoke the agent first to issue a new token.
func AddAgent(ctx context.Context, db *wallet.DB, name string) (*AgentInfo, string, error) {
	if d, err := db.Device(ctx, name); err == nil && d.Scope == wallet.ScopeAgent {
		return nil, "", agent.Errorf(agent.ECONFLICT, "There is an agent called %s already; revoke it first to issue a new token.", name)
	} else if err == nil {
		return nil, "", agent.Errorf(agent.ECONFLICT, "%s is the name of one of your devices; give the agent another.", name)
	} else if !errors.Is(err, wallet.ErrNotFound) {
		return nil, "", err
	}
	token, err := db.AddDevice(ctx, name, wallet.ScopeAgent)
	if errors.Is(err, wallet.ErrInvalid) {
		return nil, "", agent.Errorf(agent.EINVALID, "An agent name is 1-64 lowercase letters, digits, '.', '_' or '-', starting with a letter or digit.")
	} else if err != nil {
		return nil, "", err
	}
	d, err := db.Device(ctx, name)
	if err != nil {
		return nil, "", err
	}
	return &AgentInfo{Name: d.ID, Created: d.Created}, token, nil
}

// Agents lists the paired agents.
func Agents(ctx context.Context, db *wallet.DB) ([]AgentInfo, error) {
	ds, err := db.Devices(ctx)
	if err != nil {
		return nil, err
	}
	out := []AgentInfo{}
	for _, d := range ds {
		if d.Scope == wallet.ScopeAgent {
			out = append(out, AgentInfo{Name: d.ID, Created: d.Created})
		}
	}
	return out, nil
}

// RevokeAgent removes an agent and its token; its next request is refused.
// Only agents can be revoked here, never a person's device.
func RevokeAgent(ctx context.Context, db *wallet.DB, name string) error {
	d, err := db.Device(ctx, name)
	if errors.Is(err, wallet.ErrNotFound) || (err == nil && d.Scope != wallet.ScopeAgent) {
		return agent.Errorf(agent.ENOTFOUND, "There is no agent called %s.", name)
	} else if err != nil {
		return err
	}
	return db.RevokeDevice(ctx, name)
}

// registerAgents mounts the agent endpoints, which take a user token: a
// person pairs and revokes agents, an agent never does.
func (s *Server) registerAgents(m Mux) {
	m.Handle("GET /v1/agents", s.user(func(w http.ResponseWriter, r *http.Request) {
		list, err := Agents(r.Context(), s.Hub.DB)
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"agents": list})
	}))
	m.Handle("POST /v1/agents", s.user(func(w http.ResponseWriter, r *http.Request) {
		var req AddAgentRequest
		if !s.decode(w, r, &req) {
			return
		}
		a, token, err := AddAgent(r.Context(), s.Hub.DB, req.Name)
		if err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, AddAgentResponse{Agent: *a, Token: token})
	}))
	m.Handle("POST /v1/agents/revoke", s.user(func(w http.ResponseWriter, r *http.Request) {
		var req RevokeAgentRequest
		if !s.decode(w, r, &req) {
			return
		}
		if err := RevokeAgent(r.Context(), s.Hub.DB, req.Name); err != nil {
			s.writeError(w, err)
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"revoked": req.Name})
	}))
}

// user admits requests with a user-scope bearer token only.
func (s *Server) user(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := bearer(r)
		if !ok {
			s.writeError(w, agent.Errorf(agent.EUNAUTHORIZED, "A token is required: send Authorization: Bearer <token>."))
			return
		}
		d, err := s.Hub.DB.Authenticate(r.Context(), token)
		if errors.Is(err, wallet.ErrUnauthorized) || errors.Is(err, wallet.ErrNotFound) {
			s.writeError(w, agent.Errorf(agent.EUNAUTHORIZED, "The token is not valid."))
			return
		} else if err != nil {
			s.writeError(w, err)
			return
		}
		if d.Scope != wallet.ScopeUser {
			s.writeError(w, agent.Errorf(agent.EUNAUTHORIZED, "This needs a user token; agents may only propose."))
			return
		}
		h(w, r)
	})
}

func bearer(r *http.Request) (string, bool) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return token, ok && token != ""
}

var statusOf = map[string]int{
	agent.EUNAUTHORIZED: http.StatusUnauthorized,
	agent.EINVALID:      http.StatusBadRequest,
	agent.ENOTFOUND:     http.StatusNotFound,
	agent.ECONFLICT:     http.StatusConflict,
	agent.EINTERNAL:     http.StatusInternalServerError,
}

// writeError answers with the coded error, as the rest of the daemon's API does.
func (s *Server) writeError(w http.ResponseWriter, err error) {
	e := agent.AsError(err)
	if e.Code == agent.EINTERNAL {
		s.Logger.Error("agent request failed", "err", err)
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusUnprocessableEntity
	}
	writeJSON(w, status, map[string]any{"error": e})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// maxBody bounds the agent endpoints' request bodies.
const maxBody = 4 << 10

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(io.LimitReader(r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.writeError(w, agent.Errorf(agent.EINVALID, "malformed JSON: %v", err))
		return false
	}
	return true
}
