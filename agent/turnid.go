package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"
)

// TurnIDWindow is how long a client's id for a typed turn names that turn: the
// same id with the same text within it is the same turn, resent, and moves
// money at most once; with other text, or after it, it is a new turn.
const TurnIDWindow = 10 * time.Minute

// maxIDs bounds the ids a session remembers; past it the oldest go first.
const maxIDs = 1024

// idUse is one turn a client's id named: when it was first said, and a
// digest of what was said.
type idUse struct {
	ID   string    `json:"id"`
	Said string    `json:"said"`
	At   time.Time `json:"at"`
}

// clientKey is the idempotency key of a turn that carries the client's id:
// the key of the turn it names, if the id was said with the same text
// within TurnIDWindow, or else a new one, remembered before the turn runs so
// that a daemon that stops midway still knows it when the turn is resent.
// The caller holds s.mu.
func (s *Session) clientKey(ctx context.Context, in Input) (string, error) {
	said := in.Text
	if s.st.Await != awaitNone {
		said = "(the answer to a prompt)" // no digest of a PIN is stored
	}
	sum := sha256.Sum256([]byte(said))
	digest := hex.EncodeToString(sum[:12])
	now := s.hub.DB.Now()
	s.st.IDs = slices.DeleteFunc(s.st.IDs, func(u idUse) bool { return now.Sub(u.At) >= TurnIDWindow })
	i := slices.IndexFunc(s.st.IDs, func(u idUse) bool { return u.ID == in.ID && u.Said == digest })
	if i < 0 {
		if len(s.st.IDs) >= maxIDs {
			s.st.IDs = s.st.IDs[1:]
		}
		s.st.IDs = append(s.st.IDs, idUse{ID: in.ID, Said: digest, At: now})
		if err := s.hub.DB.SaveSession(ctx, s.device, &s.st); err != nil {
			return "", fmt.Errorf("remember turn id: %w", err)
		}
		i = len(s.st.IDs) - 1
	}
	u := s.st.IDs[i]
	return fmt.Sprintf("%s/id:%s@%s.%s", s.device, u.ID, strconv.FormatInt(u.At.UnixNano(), 36), u.Said), nil
}
