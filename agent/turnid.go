package agent

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/wallet"
)

// TurnIDWindow is how long a client's id for a typed turn names that turn: the
// same id with the same text within it is the same turn, resent, and moves
// money at most once; with other text, or after it, it is a new turn.
const TurnIDWindow = 10 * time.Minute

// maxIDs bounds the ids a session remembers; past it the oldest go first.
const maxIDs = 1024

// maxAnswers bounds the turns whose answers a session keeps for a resend:
// the newest, within TurnIDWindow. A client resends the turn its connection
// dropped, a few at most.
const maxAnswers = 32

// promptAnswer is what an answer to a prompt is remembered as, whatever it
// said: no digest of a PIN or a code is stored.
const promptAnswer = "(the answer to a prompt)"

// idUse is one turn a client's id named: when it was first said, a digest
// of what was said, and once the turn ran, its answer.
type idUse struct {
	ID   string    `json:"id"`
	Said string    `json:"said"`
	At   time.Time `json:"at"`
	// Answer is the turn's events and reply as they were sent, saved with
	// the state the turn left: a resend gets them again, and the dialog
	// does not run. A turn that failed inside voicepay keeps none, so that
	// a resend can find out what happened.
	Answer *Turn `json:"answer,omitempty"`
}

// digest is a short digest of what a turn said.
func digest(said string) string {
	sum := sha256.Sum256([]byte(said))
	return hex.EncodeToString(sum[:12])
}

// named returns the index in s.st.IDs of the turn that in resends, or -1,
// after forgetting the ids older than TurnIDWindow. A turn said while the
// dialog waits for a prompt's answer, and anything that reads as a code, is
// remembered as promptAnswer; a resend of a turn that the prompt came after
// is still found by its text. The caller holds s.mu.
func (s *Session) named(in Input) int {
	now := s.hub.DB.Now()
	s.st.IDs = slices.DeleteFunc(s.st.IDs, func(u idUse) bool { return now.Sub(u.At) >= TurnIDWindow })
	plain := digest(in.Text)
	if _, code := intent.SpokenCode(in.Text); code {
		plain = digest(promptAnswer)
	}
	said := s.said(in)
	return slices.IndexFunc(s.st.IDs, func(u idUse) bool {
		return u.ID == in.ID && (u.Said == said || u.Said == plain)
	})
}

// said is the digest a new turn of in is remembered by.
func (s *Session) said(in Input) string {
	if _, code := intent.SpokenCode(in.Text); code || s.st.Await != awaitNone {
		return digest(promptAnswer)
	}
	return digest(in.Text)
}

// clientKey is the idempotency key of a turn that carries the client's id:
// the key of the turn it names (named's i), if the id was said with the
// same text within TurnIDWindow, or else a new one, remembered before the
// turn runs so that a daemon that stops midway still knows it when the
// turn is resent. It returns the turn's index in s.st.IDs too. The caller
// holds s.mu.
func (s *Session) clientKey(ctx context.Context, in Input, i int) (string, int, error) {
	if i < 0 {
		if len(s.st.IDs) >= maxIDs {
			s.st.IDs = s.st.IDs[1:]
		}
		s.st.IDs = append(s.st.IDs, idUse{ID: in.ID, Said: s.said(in), At: s.hub.DB.Now()})
		i = len(s.st.IDs) - 1
		if err := s.hub.DB.SaveSession(ctx, s.device, &s.st); err != nil {
			return "", i, fmt.Errorf("remember turn id: %w", err)
		}
	}
	u := s.st.IDs[i]
	return fmt.Sprintf("%s/id:%s@%s.%s", s.device, u.ID, strconv.FormatInt(u.At.UnixNano(), 36), u.Said), i, nil
}

// replayed is the answer of the turn that in resends, each event marked
// Replayed, or nil when there is none to give: the turn is new, or its
// answer was not kept. The caller holds s.mu.
func (s *Session) replayed(in Input) *Turn {
	i := s.named(in)
	if i < 0 || s.st.IDs[i].Answer == nil {
		return nil
	}
	a := s.st.IDs[i].Answer
	t := &Turn{Reply: a.Reply, State: a.State, Err: a.Err, Replayed: true, Events: make([]Event, len(a.Events))}
	for j, e := range a.Events {
		e.Replayed = true
		t.Events[j] = e
	}
	return t
}

// keepAnswer keeps what turn t answered as the answer of the turn at index
// i of s.st.IDs (none for i < 0), to be saved with the state it left. A
// turn that failed inside voicepay keeps none. Only the newest maxAnswers
// answers are kept. The caller holds s.mu.
func (s *Session) keepAnswer(i int, t *Turn) {
	if i < 0 || i >= len(s.st.IDs) || t.Err != nil && t.Err.Code == wallet.EINTERNAL {
		return
	}
	s.st.IDs[i].Answer = &Turn{Reply: t.Reply, State: t.State, Err: t.Err, Events: slices.Clone(t.Events)}
	kept := 0
	for j := len(s.st.IDs) - 1; j >= 0; j-- {
		if s.st.IDs[j].Answer == nil {
			continue
		}
		if kept++; kept > maxAnswers {
			s.st.IDs[j].Answer = nil
		}
	}
}
