package agent

import (
	"context"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

// What an agent may propose is limited, so that a runaway agent cannot
// bury the person in proposals, each announced to every connection and
// spoken: a rate (a token bucket per agent, refilled at ProposalsPerMinute
// and holding as many), and a cap on its proposals that wait for the
// person at once (its drafted orders and its proposed tips and
// subscriptions). A retry of a proposal already accepted, under the same
// idempotency key, counts against neither.
const (
	DefaultProposalsPerMinute = 10
	DefaultMaxWaiting         = 5

	// maxRemembered bounds the keys of accepted proposals remembered per
	// agent; past it, the oldest are forgotten, and a retry of one counts
	// again.
	maxRemembered = 256
)

// limits is the hub's memory of each agent's proposals. Its zero value is
// ready to use.
type limits struct {
	mu     sync.Mutex
	agents map[string]*agentLimit
}

// agentLimit is one agent's bucket and accepted keys. mu is held from the
// check of a proposal to its write, so that two proposals at once cannot
// both take the last place.
type agentLimit struct {
	mu     sync.Mutex
	tokens float64
	at     time.Time // when tokens was counted
	keys   map[string]bool
	order  []string // keys, oldest first
}

func (l *limits) agent(id string) *agentLimit {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.agents == nil {
		l.agents = map[string]*agentLimit{}
	}
	a := l.agents[id]
	if a == nil {
		a = &agentLimit{tokens: math.NaN(), keys: map[string]bool{}}
		l.agents[id] = a
	}
	return a
}

// take takes a token at now from a bucket refilled at perMinute, and
// holding as many; it reports how long until one is there when none is.
func (a *agentLimit) take(now time.Time, perMinute int) (ok bool, wait time.Duration) {
	size := float64(perMinute)
	if math.IsNaN(a.tokens) {
		a.tokens, a.at = size, now
	}
	if now.After(a.at) {
		a.tokens = math.Min(size, a.tokens+now.Sub(a.at).Minutes()*size)
		a.at = now
	}
	if a.tokens >= 1 {
		a.tokens--
		return true, 0
	}
	return false, time.Duration((1 - a.tokens) / size * float64(time.Minute))
}

func (a *agentLimit) remember(key string) {
	if a.keys[key] {
		return
	}
	if len(a.order) >= maxRemembered {
		delete(a.keys, a.order[0])
		a.order = a.order[1:]
	}
	a.keys[key] = true
	a.order = append(a.order, key)
}

// admit lets a proposal of agent under the wallet key k through the
// limits, or refuses it with rate_limited (retryable) or too_many_waiting.
// done must be called once the proposal was written, or failed: accepted
// says whether the wallet took it.
func (h *Hub) admit(ctx context.Context, agent, k string) (done func(accepted bool), err error) {
	a := h.limits.agent(agent)
	a.mu.Lock()
	done = func(accepted bool) {
		if accepted {
			a.remember(k)
		}
		a.mu.Unlock()
	}
	if a.keys[k] || h.proposedBefore(ctx, agent, k) {
		return done, nil // a retry of what was accepted
	}
	rate := h.ProposalsPerMinute
	if rate <= 0 {
		rate = DefaultProposalsPerMinute
	}
	if ok, wait := a.take(h.DB.Now(), rate); !ok {
		a.mu.Unlock()
		secs, unit := max(int(math.Ceil(wait.Seconds())), 1), "seconds"
		if secs == 1 {
			unit = "second"
		}
		return nil, &wallet.Error{Code: wallet.ERATELIMITED, Retryable: true, Message: fmt.Sprintf(
			"Agent %s proposes too fast: at most %d proposals a minute. Try again in %d %s.", agent, rate, secs, unit)}
	}
	most := h.MaxWaiting
	if most <= 0 {
		most = DefaultMaxWaiting
	}
	n, err := h.waitingOf(ctx, agent)
	if err != nil {
		a.mu.Unlock()
		return nil, h.coded("count proposals", err)
	}
	if n >= most {
		a.mu.Unlock()
		return nil, wallet.Errorf(wallet.ETOOMANY, "%d proposals of agent %s already wait for the person, the most allowed. "+
			"Propose more once the person has answered one, or withdraw one you no longer need.", n, agent)
	}
	return done, nil
}

// proposedBefore reports whether the wallet already holds a proposal of
// agent under the wallet key k, made before the hub's memory began (a
// restart) or past what it remembers.
func (h *Hub) proposedBefore(ctx context.Context, agent, k string) bool {
	key, ok := strings.CutPrefix(k, wallet.AgentRequestKey(agent, ""))
	if !ok {
		return false
	}
	r, err := h.DB.FindAgentKey(ctx, agent, time.Time{}, key)
	return err == nil && (r.Op == "create_order" || r.Op == "propose_mandate")
}

// waitingOf counts the proposals of agent that wait for the person: its
// drafted orders and its proposed tips and subscriptions.
func (h *Hub) waitingOf(ctx context.Context, agent string) (int, error) {
	orders, err := h.DB.FindOrders(ctx, wallet.OrderFilter{Waiting: true})
	if err != nil {
		return 0, err
	}
	ms, err := h.DB.FindMandates(ctx, wallet.MandateFilter{States: proposedStates})
	if err != nil {
		return 0, err
	}
	n := 0
	for _, o := range orders {
		if o.Agent == agent {
			n++
		}
	}
	for _, m := range ms {
		if m.Agent == agent {
			n++
		}
	}
	return n, nil
}
