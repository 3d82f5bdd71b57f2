package ws

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/voicepay/voicepay/wallet"
)

// Balance is the user's account as the API reports it.
type Balance struct {
	Balance   int64  `json:"balance"`
	Available int64  `json:"available"`
	Held      int64  `json:"held"`
	Currency  string `json:"currency"`
	Frozen    bool   `json:"frozen"`
}

// BalanceOf reports an account.
func BalanceOf(a *wallet.Account) Balance {
	return Balance{Balance: a.Balance(), Available: a.Available(), Held: a.DebitsPending, Currency: a.Currency, Frozen: a.Frozen}
}

func (s *Server) balance(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	a, err := s.Hub.DB.Account(r.Context(), wallet.UserAccount)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, BalanceOf(a))
}

func (s *Server) history(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 20
	}
	ts, err := s.Hub.DB.Transfers(r.Context(), wallet.UserAccount, limit)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"transfers": ts})
}

// TopupRequest adds money from the funding source.
type TopupRequest struct {
	Amount int64  `json:"amount"` // minor units
	Key    string `json:"key"`    // idempotency key
}

func (s *Server) topup(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req TopupRequest
	if !s.decode(w, r, &req) {
		return
	}
	if req.Amount <= 0 {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "amount must be a positive number of minor units"))
		return
	}
	t, err := s.Hub.DB.Topup(r.Context(), req.Key, req.Amount)
	if err != nil {
		s.writeError(w, err)
		return
	}
	a, err := s.Hub.DB.Account(r.Context(), wallet.UserAccount)
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"transfer": t, "balance": BalanceOf(a)})
}

// UnfreezeRequest lets the wallet pay again.
type UnfreezeRequest struct {
	PIN string `json:"pin"`
}

func (s *Server) unfreeze(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req UnfreezeRequest
	if !s.decode(w, r, &req) {
		return
	}
	if err := s.Hub.DB.Unfreeze(r.Context(), req.PIN); err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "unfrozen"})
}

func (s *Server) verify(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	rep, err := s.Hub.DB.VerifyAudit(r.Context())
	if rep != nil {
		writeJSON(w, http.StatusOK, rep)
		return
	}
	s.writeError(w, err)
}

// maxBody bounds API request bodies.
const maxBody = 64 << 10

func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) bool {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "request body too large or unreadable"))
		return false
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "malformed JSON: %v", err))
		return false
	}
	if _, err := dec.Token(); err != io.EOF {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "malformed JSON: more after the request object"))
		return false
	}
	return true
}
