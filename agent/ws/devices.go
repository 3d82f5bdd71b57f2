package ws

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// DeviceInfo is a person's paired device as the device endpoints and the
// CLI list it. Its token's hash stays in the wallet.
type DeviceInfo struct {
	ID      string    `json:"id"`
	Scope   string    `json:"scope"`
	Active  bool      `json:"active"` // payments enabled
	Created time.Time `json:"created"`
}

// DeviceInfos describes devices.
func DeviceInfos(ds []*wallet.Device) []DeviceInfo {
	out := make([]DeviceInfo, 0, len(ds))
	for _, d := range ds {
		out = append(out, DeviceInfo{ID: d.ID, Scope: d.Scope, Active: d.Active, Created: d.Created})
	}
	return out
}

// PairRequest exchanges a pairing code for a device token.
type PairRequest struct {
	Code string `json:"code"`
}

// PairResponse carries the new device's token, shown once.
type PairResponse struct {
	Device DeviceInfo `json:"device"`
	Token  string     `json:"token"`
}

// DeviceRequest names a device to issue a pairing code for or to revoke.
type DeviceRequest struct {
	Name string `json:"name"`
}

// PairingCode is a new pairing code, and the link that carries it to the
// web companion.
type PairingCode struct {
	Code    string    `json:"code"`
	Expires time.Time `json:"expires"`
	Link    string    `json:"link"`
}

// PairingLink is the web companion's address with a pairing code, for
// the daemon at base ("http://host:port").
func PairingLink(base, code string) string { return base + "/#pair=" + code }

// Failed pairing exchanges allowed per window across the server, so that
// the 40 bits of a code cannot be guessed by trying them.
const (
	pairFailures = 10
	pairWindow   = time.Minute
)

// failLimiter counts failed attempts in a sliding window. An attempt takes
// a slot before it runs and gives it back if it succeeds, so that
// concurrent attempts cannot pass the limit together.
type failLimiter struct {
	now   func() time.Time
	mu    sync.Mutex
	fails []time.Time // oldest first
}

// take reserves a slot, or says how long until one frees up.
func (l *failLimiter) take() (slot time.Time, wait time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for len(l.fails) > 0 && now.Sub(l.fails[0]) >= pairWindow {
		l.fails = l.fails[1:]
	}
	if len(l.fails) >= pairFailures {
		return time.Time{}, l.fails[0].Add(pairWindow).Sub(now)
	}
	l.fails = append(l.fails, now)
	return now, 0
}

// give returns the slot of an attempt that succeeded.
func (l *failLimiter) give(slot time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i := len(l.fails) - 1; i >= 0; i-- {
		if l.fails[i].Equal(slot) {
			l.fails = append(l.fails[:i], l.fails[i+1:]...)
			return
		}
	}
}

// pair returns the handler of POST /v1/pair, which takes no token: the
// code is the credential. Failed attempts are limited across the server.
func (s *Server) pair() http.HandlerFunc {
	limit := &failLimiter{now: s.Hub.DB.Now}
	return func(w http.ResponseWriter, r *http.Request) {
		slot, wait := limit.take()
		if wait > 0 {
			secs := int(wait.Round(time.Second) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
			s.writeError(w, wallet.Errorf(wallet.ELOCKED,
				"Too many wrong pairing codes; try again in %s.", wait.Round(time.Second)))
			return
		}
		var req PairRequest
		if !s.decode(w, r, &req) {
			return
		}
		if req.Code == "" {
			s.writeError(w, wallet.Errorf(wallet.EINVALID, `Send the pairing code, as {"code":"K7QM-3XPD"}.`))
			return
		}
		d, token, err := s.Hub.DB.ExchangePairingCode(r.Context(), req.Code)
		if err != nil {
			s.writeError(w, err)
			return
		}
		limit.give(slot)
		s.Logger.Info("device paired", "device", d.ID)
		writeJSON(w, http.StatusOK, PairResponse{Device: DeviceInfos([]*wallet.Device{d})[0], Token: token})
	}
}

// The device endpoints take a user token: a person pairs and revokes their
// devices, an agent never does.

func (s *Server) devices(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	list, err := s.Hub.DB.UserDevices(r.Context())
	if err != nil {
		s.writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"devices": DeviceInfos(list)})
}

func (s *Server) newPairingCode(w http.ResponseWriter, r *http.Request, _ *wallet.Device) {
	var req DeviceRequest
	if !s.decode(w, r, &req) {
		return
	}
	code, expires, err := s.Hub.DB.NewPairingCode(r.Context(), req.Name)
	if err != nil {
		s.writeError(w, err)
		return
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	writeJSON(w, http.StatusOK, PairingCode{Code: code, Expires: expires, Link: PairingLink(scheme+"://"+r.Host, code)})
}

// revokeDevice revokes one of the person's devices, but not the one asking:
// that would lock them out.
func (s *Server) revokeDevice(w http.ResponseWriter, r *http.Request, by *wallet.Device) {
	var req DeviceRequest
	if !s.decode(w, r, &req) {
		return
	}
	if err := s.Hub.DB.RevokeUserDevice(r.Context(), req.Name, by.ID); err != nil {
		s.writeError(w, err)
		return
	}
	s.closeDevice(req.Name) // its open connections end now, not at their next request
	writeJSON(w, http.StatusOK, map[string]string{"revoked": req.Name})
}
