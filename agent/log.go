package agent

import "github.com/voicepay/voicepay/intent"

// logTurn logs a finished turn: what it was read as and where it left the
// dialog at info, what was said at debug unless it answered a PIN prompt,
// and a payment it made. Wrong PINs, lockouts and risk decisions are the
// wallet's to log, where they are decided.
func (s *Session) logTurn(in Input, res intent.Result, t *Turn) {
	log := s.hub.Logger.With("device", s.device)
	code := ""
	if t.Err != nil {
		code = t.Err.Code
	}
	log.Info("turn", "channel", in.Channel, "intent", res.Intent, "state", t.State, "code", code)
	if !t.Secret {
		log.Debug("turn text", "text", in.Text)
	}
	for _, e := range t.Events {
		if e.Type != EventPaymentResult || e.Order == nil {
			continue
		}
		method := ""
		if e.Order.Receipt != nil {
			method = e.Order.Receipt.Method
		}
		log.Info("payment", "order", e.Order.ID, "amount", e.Order.Total, "currency", e.Order.Currency,
			"payee", e.Order.Payee, "method", method)
	}
}

// logProposal logs what an agent proposed as the person is told of it.
func (h *Hub) logProposal(e Event) {
	switch {
	case e.Type != EventProposal:
	case e.Order != nil:
		h.Logger.Info("proposal", "agent", e.Order.Agent, "kind", "order", "order", e.Order.ID,
			"amount", e.Order.Total, "payee", e.Order.Payee)
	case e.Mandate != nil:
		h.Logger.Info("proposal", "agent", e.Mandate.Agent, "kind", e.Mandate.Kind, "mandate", e.Mandate.ID,
			"amount", max(e.Mandate.First, e.Mandate.Cap), "payee", e.Mandate.Payee)
	}
}
