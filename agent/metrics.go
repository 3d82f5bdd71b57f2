package agent

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/voicepay/voicepay/intent"
)

// Metrics counts what the dialog does, for /metrics.
type Metrics struct {
	Registry *prometheus.Registry

	turns     *prometheus.CounterVec
	payments  *prometheus.CounterVec
	decisions *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	speech    prometheus.Histogram // from the end of speech
	stopped   prometheus.Histogram // from speech.stopped
	decodes   *prometheus.CounterVec
}

// NewMetrics registers voicepay's dialog metrics, with the Go and process
// collectors, on a new registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		Registry: prometheus.NewRegistry(),
		turns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicepay_turns_total", Help: "Dialog turns, by intent and outcome (ok or the error code).",
		}, []string{"intent", "outcome"}),
		payments: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicepay_payments_total", Help: "Payments authorized and posted, by status.",
		}, []string{"status"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicepay_risk_decisions_total", Help: "Risk decisions on confirmed orders, by action.",
		}, []string{"action"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "voicepay_turn_seconds", Help: "Time to handle one dialog turn, by intent.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
		}, []string{"intent"}),
	}
	m.speech = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "voicepay_speech_to_reply_seconds",
		Help: "From the end of an utterance's speech, as the endpointer heard it, to the dialog's reply: " +
			"what the speaker waits, the endpointer's hangover included.",
		Buckets: prometheus.ExponentialBuckets(0.005, 2, 12),
	})
	m.stopped = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "voicepay_speech_stopped_to_reply_seconds",
		Help: "From the endpointer's stop (speech.stopped, after its hangover) to the dialog's reply: " +
			"what recognition and the turn add.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14),
	})
	m.decodes = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "voicepay_speech_decodes_total",
		Help: "Utterances handed to the recognizer: at the pause (a guess, dropped if the person goes on), at the stop (the guess did not fit), " +
			"or partial (the words so far, decoded on an idle decoder while the person speaks).",
	}, []string{"at"})
	m.Registry.MustRegister(m.turns, m.payments, m.decisions, m.latency, m.speech, m.stopped, m.decodes,
		prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	return m
}

// observeTurn records one turn. A nil Metrics records nothing.
func (m *Metrics) observeTurn(name string, t *Turn, d time.Duration) {
	if m == nil {
		return
	}
	outcome := "ok"
	if t.Err != nil {
		outcome = t.Err.Code
	}
	m.turns.WithLabelValues(name, outcome).Inc()
	m.latency.WithLabelValues(name).Observe(d.Seconds())
	for _, e := range t.Events {
		switch {
		case e.Type == EventPaymentResult:
			m.payments.WithLabelValues(e.Status).Inc()
		case e.Type == EventOrderUpdated && name == intent.OrderConfirm && e.Order.Risk != nil:
			m.decisions.WithLabelValues(e.Order.Risk.Action).Inc()
		}
	}
}

// observeSpeech records the time to an utterance's reply from the end of
// its speech, and from the endpointer's stop.
func (m *Metrics) observeSpeech(fromSpeech, fromStop time.Duration) {
	if m == nil {
		return
	}
	m.speech.Observe(fromSpeech.Seconds())
	m.stopped.Observe(fromStop.Seconds())
}

// observeDecode counts an utterance handed to the recognizer, at "pause",
// "stop" or "partial".
func (m *Metrics) observeDecode(at string) {
	if m == nil {
		return
	}
	m.decodes.WithLabelValues(at).Inc()
}
