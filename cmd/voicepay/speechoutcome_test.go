package main

import (
	"encoding/json"
	"reflect"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
)

// utterance is one utterance the daemon's endpointer found in a stream,
// and the turn it made.
type utterance struct {
	started, stopped time.Time      // when speech.started and speech.stopped came
	heard            *intent.Result // the turn's intent; nil when nothing in the grammar was heard
	transcript       string
	replied          time.Time // when the turn's reply came
	reply            string
	changed          bool // an order or a mandate changed: created, modified, cancelled, confirmed, paid, approved
}

// outcome is what became of one trial.
type outcome struct {
	trial
	session  string
	setupErr error // the state could not be set up; the clip was not sent
	retried  error // why the state was set up only on a second try, after a reset
	utts     []utterance
	// own is the index in utts of the clip's own utterance: the first that
	// stopped after the speech began and had started by its end. -1 when
	// no utterance was found in the speech.
	own int
	// stopLate and replyLate are how long after the end of the speech
	// its utterance's speech.stopped and reply came, on the clock of the
	// stream (streamed.streamTime).
	stopLate, replyLate time.Duration
	flushed             bool          // the utterance stopped only when the stream ended, not for a pause
	late                time.Duration // the most a frame of the stream went after it was captured
}

// startSlack is how long after the end of the speech an utterance may
// start and still be the speech's: the endpointer takes a few frames to be
// sure of speech.
const startSlack = 300 * time.Millisecond

// hear reads the events of a trial's stream into utterances. A turn's
// events follow its speech.stopped, in order, before the next utterance
// starts.
func (o *outcome) hear(sc scene, s streamed) {
	o.late = s.late
	var u *utterance
	for _, ev := range s.events {
		if ev.Type == "speech.started" {
			o.utts = append(o.utts, utterance{started: ev.at})
			u = &o.utts[len(o.utts)-1]
			continue
		}
		if u == nil {
			continue // a stream's events start with speech.started
		}
		switch ev.Type {
		case "speech.stopped":
			u.stopped = ev.at
		case "transcript.final":
			u.transcript = ev.Text
		case agent.EventIntent:
			u.heard = ev.Intent
		case agent.EventOrderUpdated, agent.EventPaymentResult, agent.EventMandateUpdated:
			u.changed = true
		case agent.EventReply:
			u.replied, u.reply = ev.at, ev.Text
		}
	}
	from, to := voice.Duration(sc.from), voice.Duration(sc.to)
	o.own = -1
	for i, u := range o.utts {
		if !u.stopped.IsZero() && s.streamTime(u.stopped) > from && s.streamTime(u.started) < to+startSlack {
			o.own = i
			break
		}
	}
	if o.own < 0 {
		return
	}
	u = &o.utts[o.own]
	o.stopLate = s.streamTime(u.stopped) - to
	if !u.replied.IsZero() {
		o.replyLate = s.streamTime(u.replied) - to
	}
	o.flushed = u.stopped.After(s.stopSent)
}

// heard is the intent of the clip's own utterance: "" when none was found
// or nothing in the grammar was heard in it.
func (o outcome) heard() string {
	if o.own < 0 || o.utts[o.own].heard == nil {
		return ""
	}
	return o.utts[o.own].heard.Intent
}

// accepted says the command came out right: the intent and every slot
// the manifest gives.
func (o outcome) accepted() bool {
	if o.own < 0 || o.utts[o.own].heard == nil {
		return false
	}
	h := o.utts[o.own].heard
	return h.Intent == o.clip.Intent && slotsGiven(o.clip.Slots, h.Slots)
}

// slotsGiven reports whether heard has every slot of want, the manifest's
// JSON, with its value. A slot the manifest leaves out is not compared, as
// in the phrase corpus: a change of the order reports its line as it will
// stand ("make it three" on a latte is three lattes).
func slotsGiven(want json.RawMessage, heard intent.Slots) bool {
	var w, h map[string]any
	b, err := json.Marshal(heard)
	if err != nil || json.Unmarshal(want, &w) != nil || json.Unmarshal(b, &h) != nil {
		return false
	}
	for k, v := range w {
		if !reflect.DeepEqual(h[k], v) {
			return false
		}
	}
	return true
}

// heardNothing says no utterance of the stream was heard as a command.
func (o outcome) heardNothing() bool {
	for _, u := range o.utts {
		if u.heard != nil && u.heard.Intent != intent.None {
			return false
		}
	}
	return true
}

// dangerous lists what the stream's utterances were heard as that moves
// money or freezes the wallet: confirm, pay, tip, approve, freeze.
func (o outcome) dangerous() []string {
	var out []string
	for _, u := range o.utts {
		if u.heard != nil && (intent.MovesMoney(u.heard.Intent) || u.heard.Intent == intent.WalletFreeze) {
			out = append(out, u.heard.Intent)
		}
	}
	return out
}

// changedOrder says an utterance of the stream changed an order or a
// mandate.
func (o outcome) changedOrder() bool {
	for _, u := range o.utts {
		if u.changed {
			return true
		}
	}
	return false
}
