package main

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice/voicetest"
)

type tally = voicetest.Tally

// speechGroup sums up the trials of one state, voice, engine or noise.
type speechGroup struct {
	clean, noisy tally // commands accepted
	nothing      tally // out-of-domain streams heard as nothing
	danger       int   // out-of-domain streams heard as confirm, pay, tip, approve or freeze
	changed      tally // out-of-domain streams that changed an order or a mandate
}

func (g *speechGroup) add(o outcome) {
	switch {
	case o.clip.OutDomain:
		g.nothing.Add(o.heardNothing())
		if len(o.dangerous()) > 0 {
			g.danger++
		}
		g.changed.Add(o.changedOrder())
	case o.clip.Noisy:
		g.noisy.Add(o.accepted())
	default:
		g.clean.Add(o.accepted())
	}
}

func (g *speechGroup) commands() tally { return g.clean.Plus(g.noisy) }

// endpointGroup sums up the endpointing of the trials of one noise.
type endpointGroup struct {
	within  tally // speech.stopped came at most endpointWithin after the end of the speech
	near10  tally // the same, at 9 to 11 dB SNR (every clean clip)
	flushed int   // the utterance stopped only when the stream ended
	missed  int   // no utterance was found in the speech
	extra   int   // utterances besides the clip's own
}

// endpointWithin is how soon after the end of speech speech.stopped should
// come.
const endpointWithin = time.Second

func (g *endpointGroup) add(o outcome) {
	ok := o.own >= 0 && o.stopLate <= endpointWithin
	g.within.Add(ok)
	if !o.clip.Noisy || (o.clip.SNR >= 9 && o.clip.SNR <= 11) {
		g.near10.Add(ok)
	}
	switch {
	case o.own < 0:
		g.missed++
	case o.flushed:
		g.flushed++
	}
	g.extra += len(o.utts)
	if o.own >= 0 {
		g.extra--
	}
}

// speechReport sums up a run.
type speechReport struct {
	outcomes         []outcome
	sessions, sample int
	elapsed          time.Duration

	all                             speechGroup
	states, voices, engines, noises map[string]*speechGroup
	engineOf                        map[string]string
	endpoints                       map[string]*endpointGroup // by noise
	money, plainMoney               tally                     // clean money commands accepted; those in plain forms
	stopLate, replyLate             []time.Duration           // from the end of speech, for every utterance found in it
	late                            []time.Duration           // the most a frame of each stream went after it was captured
	setupFailed, danger, retried    []outcome
	dangers                         map[string]int // out-of-domain streams heard as each intent that moves money or freezes
}

// moneyCommands are the commands that move money by voice in the dialog's
// steps: confirming an order and paying it.
var moneyCommands = []string{intent.OrderConfirm, intent.PaymentAuthorize}

// plainMoney are their plain forms, as DESIGN.md gives them.
var plainMoney = []string{"confirm the order", "yes, confirm", "pay", "authorize payment"}

func summarizeSpeech(outcomes []outcome) *speechReport {
	r := &speechReport{outcomes: outcomes, states: map[string]*speechGroup{}, voices: map[string]*speechGroup{},
		engines: map[string]*speechGroup{}, noises: map[string]*speechGroup{}, engineOf: map[string]string{},
		endpoints: map[string]*endpointGroup{}, dangers: map[string]int{}}
	group := func(m map[string]*speechGroup, k string) *speechGroup {
		if m[k] == nil {
			m[k] = &speechGroup{}
		}
		return m[k]
	}
	for _, o := range outcomes {
		if o.retried != nil {
			r.retried = append(r.retried, o)
		}
		if o.setupErr != nil {
			r.setupFailed = append(r.setupFailed, o)
			continue
		}
		c := o.clip
		r.engineOf[c.Voice] = c.Engine
		for _, g := range []*speechGroup{&r.all, group(r.states, o.state), group(r.voices, c.Voice), group(r.engines, c.Engine), group(r.noises, c.Noise)} {
			g.add(o)
		}
		if r.endpoints[c.Noise] == nil {
			r.endpoints[c.Noise] = &endpointGroup{}
		}
		r.endpoints[c.Noise].add(o)
		r.late = append(r.late, o.late)
		if o.own >= 0 {
			r.stopLate = append(r.stopLate, o.stopLate)
			r.replyLate = append(r.replyLate, o.replyLate)
		}
		if c.OutDomain && len(o.dangerous()) > 0 {
			r.danger = append(r.danger, o)
			for _, in := range slices.Compact(slices.Sorted(slices.Values(o.dangerous()))) {
				r.dangers[in]++
			}
		}
		if !c.OutDomain && !c.Noisy && slices.Contains(moneyCommands, c.Intent) {
			r.money.Add(o.accepted())
			if slices.Contains(plainMoney, c.Text) {
				r.plainMoney.Add(o.accepted())
			}
		}
	}
	return r
}

// percentile is the q-quantile of ds, by nearest rank; 0 of none.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// reportStates are the states in the order they are reported.
var reportStates = []string{agent.StateInactive, agent.StateIdle, stateProposed, agent.StateDrafted, agent.StateConfirmed}

// reportNoises are the noises in the order they are reported.
var reportNoises = []string{"clean", "white", "pink", "brown", "babble"}

// table prints the run's figures: by state, by voice and engine, by
// noise, then money commands, out-of-domain speech and latencies.
func (r *speechReport) table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d clips streamed into the daemon by %d sessions in %s (every %s clip of the broad set); %d not sent, their state not set up; %d set up on a second try\n\n",
		len(r.outcomes)-len(r.setupFailed), r.sessions, r.elapsed.Round(time.Second), ordinal(r.sample), len(r.setupFailed), len(r.retried))
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "state\tclean commands\tnoisy commands\tout of domain: nothing\tconfirm/pay/approve/freeze\tchanged an order")
	for _, st := range reportStates {
		if g := r.states[st]; g != nil {
			fmt.Fprintf(w, "%s\t%v\t%v\t%v\t%s\t%v\n", st, g.clean, g.noisy, g.nothing, dash(g.nothing.N, g.danger), g.changed)
		}
	}
	g := r.all
	fmt.Fprintf(w, "all\t%v\t%v\t%v\t%d\t%v\n", g.clean, g.noisy, g.nothing, g.danger, g.changed)
	w.Flush()
	b.WriteString("\n")
	w = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "voice\tengine\tclean commands\tnoisy commands\tout of domain: nothing\tconfirm/pay/approve/freeze")
	voices := slices.SortedFunc(maps.Keys(r.voices), func(a, b string) int {
		return cmp.Or(cmp.Compare(r.engineOf[a], r.engineOf[b]), cmp.Compare(a, b))
	})
	for _, v := range voices {
		g := r.voices[v]
		fmt.Fprintf(w, "%s\t%s\t%v\t%v\t%v\t%d\n", v, r.engineOf[v], g.clean, g.noisy, g.nothing, g.danger)
	}
	for _, e := range slices.Sorted(maps.Keys(r.engines)) {
		g := r.engines[e]
		fmt.Fprintf(w, "all %s\t%s\t%v\t%v\t%v\t%d\n", e, e, g.clean, g.noisy, g.nothing, g.danger)
	}
	w.Flush()
	b.WriteString("\n")
	r.noiseTable(&b)
	fmt.Fprintf(&b, "\nmoney commands (confirm, pay), clean: %v; in their plain forms (%s): %v\n", r.money, strings.Join(plainMoney, ", "), r.plainMoney)
	fmt.Fprintf(&b, "out of domain in drafted or confirmed, changed or replaced the order: %v\n", r.changedOpen())
	var heard []string
	for _, in := range slices.Sorted(maps.Keys(r.dangers)) {
		heard = append(heard, fmt.Sprintf("%s %d", in, r.dangers[in]))
	}
	fmt.Fprintf(&b, "out of domain heard as moving money or freezing: %d streams (%s)\n", len(r.danger), cmp.Or(strings.Join(heard, ", "), "none"))
	lateStreams := 0
	for _, l := range r.late {
		if l > lateFrame {
			lateStreams++
		}
	}
	fmt.Fprintf(&b, "frames sent after they were captured, the most in a stream: p50 %.0f ms, max %.0f ms; %d streams had a frame over %s late\n",
		ms(percentile(r.late, 0.5)), ms(percentile(r.late, 1)), lateStreams, lateFrame)
	fmt.Fprintf(&b, "end of speech to speech.stopped: p50 %.0f ms, p95 %.0f ms; to the reply: p50 %.0f ms, p95 %.0f ms (%d utterances)\n",
		ms(percentile(r.stopLate, 0.5)), ms(percentile(r.stopLate, 0.95)), ms(percentile(r.replyLate, 0.5)), ms(percentile(r.replyLate, 0.95)), len(r.stopLate))
	return b.String()
}

// noiseTable prints commands, out-of-domain speech and endpointing by
// noise.
func (r *speechReport) noiseTable(b *strings.Builder) {
	w := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "noise\tcommands\tout of domain: nothing\tconfirm/pay/approve/freeze\tstopped <=1 s\tstopped <=1 s, 9-11 dB\tnot stopped\tnot found\textra utterances")
	for _, n := range reportNoises {
		g, e := r.noises[n], r.endpoints[n]
		if g == nil {
			continue
		}
		fmt.Fprintf(w, "%s\t%v\t%v\t%d\t%v\t%v\t%d\t%d\t%d\n", n, g.commands(), g.nothing, g.danger, e.within, e.near10, e.flushed, e.missed, e.extra)
	}
	w.Flush()
}

// lateFrame is how late a frame may go before its stream counts as held
// up: the latencies are on the stream's clock, which stops while it is
// held up, but the endpointer's and recognizer's share of the machine may
// have been held up too.
const lateFrame = 100 * time.Millisecond

// changedOpen is the share of out-of-domain streams said over an open
// order that changed it, or an order or a mandate anyway.
func (r *speechReport) changedOpen() tally {
	var t tally
	for _, st := range []string{agent.StateDrafted, agent.StateConfirmed} {
		if g := r.states[st]; g != nil {
			t = t.Plus(g.changed)
		}
	}
	return t
}

func dash(n, v int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(v)
}

func ordinal(n int) string {
	switch n {
	case 1:
		return "1st"
	case 2:
		return "2nd"
	case 3:
		return "3rd"
	}
	return fmt.Sprintf("%dth", n)
}

// logMisses logs every command missed, every out-of-domain stream heard as
// something that moves money or freezes, and every state not set up.
func (r *speechReport) logMisses(tb testing.TB) {
	for _, o := range r.setupFailed {
		tb.Logf("not set up: %s in %s: %v", o.clip.File, o.state, o.setupErr)
	}
	for _, o := range r.retried {
		tb.Logf("set up on a second try: %s in %s: first %v", o.clip.File, o.state, o.retried)
	}
	for _, o := range r.danger {
		tb.Logf("DANGER: out of domain %s %q in %s: heard as %s", o.clip.File, o.clip.Text, o.state, strings.Join(o.dangerous(), ", "))
	}
	for _, o := range r.outcomes {
		if o.setupErr == nil && (o.own < 0 || o.stopLate > endpointWithin || o.flushed) {
			tb.Logf("endpoint: %s in %s: %s (the stream's latest frame went %s late)", o.clip.File, o.state, o.endpointing(), o.late.Round(time.Millisecond))
		}
		if o.setupErr != nil || o.accepted() {
			continue
		}
		if o.clip.OutDomain {
			if !o.heardNothing() {
				tb.Logf("out of domain %s %q in %s: heard %s", o.clip.File, o.clip.Text, o.state, o.turns())
			}
			continue
		}
		heard := "no utterance in the speech"
		if o.own >= 0 {
			u := o.utts[o.own]
			heard = fmt.Sprintf("heard %q → %s", u.transcript, o.heard())
			if u.heard != nil {
				heard += fmt.Sprintf(" %+v", u.heard.Slots)
			}
		}
		tb.Logf("missed %s %q in %s: %s (%d utterances)", o.clip.File, o.clip.Text, o.state, heard, len(o.utts))
	}
}

// turns lists what the utterances of a stream were heard as.
func (o outcome) turns() string {
	var out []string
	for _, u := range o.utts {
		s := fmt.Sprintf("%q", u.transcript)
		if u.heard != nil {
			s += " → " + u.heard.Intent
		}
		if u.changed {
			s += " (changed an order)"
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

// endpointing says how the endpointer ended the clip's utterance.
func (o outcome) endpointing() string {
	switch {
	case o.own < 0:
		return fmt.Sprintf("no utterance in the speech (%d utterances)", len(o.utts))
	case o.flushed:
		return fmt.Sprintf("stopped only when the stream ended, %s after the speech", o.stopLate.Round(time.Millisecond))
	}
	return fmt.Sprintf("stopped %s after the speech", o.stopLate.Round(time.Millisecond))
}

// reportMetrics reports the figures make bench prints.
func (r *speechReport) reportMetrics(b *testing.B) {
	b.ReportMetric(100*r.all.clean.Rate(), "clean-%")
	b.ReportMetric(100*r.all.noisy.Rate(), "noisy-%")
	for _, st := range reportStates {
		if g := r.states[st]; g != nil {
			report(b, g.clean, st+"-clean-%")
			report(b, g.noisy, st+"-noisy-%")
		}
	}
	for e, g := range r.engines {
		report(b, g.clean, e+"-clean-%")
		report(b, g.noisy, e+"-noisy-%")
	}
	for v, g := range r.voices {
		report(b, g.commands(), "voice-"+v+"-%")
	}
	for _, n := range reportNoises[1:] {
		if g := r.noises[n]; g != nil {
			report(b, g.noisy, n+"-%")
		}
	}
	for n, e := range r.endpoints {
		report(b, e.near10, "stopped-1s-"+n+"-%")
	}
	report(b, r.money, "money-clean-%")
	report(b, r.plainMoney, "money-plain-clean-%")
	b.ReportMetric(100*r.all.nothing.Rate(), "ood-nothing-%")
	b.ReportMetric(float64(r.all.danger), "ood-danger")
	b.ReportMetric(float64(r.dangers[intent.WalletFreeze]), "ood-freeze")
	b.ReportMetric(100*r.changedOpen().Rate(), "ood-changed-%")
	b.ReportMetric(ms(percentile(r.stopLate, 0.5)), "stopped-p50-ms")
	b.ReportMetric(ms(percentile(r.stopLate, 0.95)), "stopped-p95-ms")
	b.ReportMetric(ms(percentile(r.replyLate, 0.5)), "reply-p50-ms")
	b.ReportMetric(ms(percentile(r.replyLate, 0.95)), "reply-p95-ms")
	b.ReportMetric(float64(len(r.setupFailed)), "not-set-up")
}

// report reports a tally's rate, in percent, when it counted anything.
func report(b *testing.B, t tally, unit string) {
	if t.N > 0 {
		b.ReportMetric(100*t.Rate(), unit)
	}
}
