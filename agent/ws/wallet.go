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

// History is a page of the user's transfers, newest first. Next, absent on
// the last page, is the before of the following page.
type History struct {
	Transfers []*wallet.Transfer `json:"transfers"`
	Next      string             `json:"next,omitempty"`
}

// maxHistory is the most transfers one history page holds.
const maxHistory = 1000

func (s *Server) history(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	q := r.URL.Query()
	limit, before := 20, uint64(0)
	if v, ok := q["limit"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 || n > maxHistory {
			s.writeError(w, wallet.Errorf(wallet.EINVALID, "limit is how many transfers to list, a whole number from 1 to %d.", maxHistory))
			return
		}
		limit = n
	}
	if v, ok := q["before"]; ok {
		n, err := strconv.ParseUint(v[0], 10, 64)
		if err != nil || n == 0 {
			s.writeError(w, wallet.Errorf(wallet.EINVALID, "before is the next cursor of an earlier page of history."))
			return
		}
		before = n
	}
	ts, next, err := s.Hub.DB.TransferPage(r.Context(), wallet.UserAccount, before, limit)
	if err != nil {
		s.writeError(w, err)
		return
	}
	h := History{Transfers: ts}
	if next != 0 {
		h.Next = strconv.FormatUint(next, 10)
	}
	writeJSON(w, http.StatusOK, h)
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
