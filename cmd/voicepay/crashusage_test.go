package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// usageClient is an agent that records usage over MCP, on streamable
// HTTP, under a subscription the person approved, each record with a key
// of its own.
type usageClient struct {
	d        *crashDaemon
	rec      *crashRecord
	rng      *rand.Rand
	stopping *atomic.Bool
	cs       *sdk.ClientSession // nil until connected, and after a drop
	gen      int                // the daemon cs is connected to
	mandate  uint64
	seq      int
	last     *usageAnswer // the last record answered, resent after a restart
}

// usageAnswer is a usage record and the charge it was answered with.
type usageAnswer struct {
	key    string
	units  int64
	charge crashCharge
}

// crashCharge is a charge as record_usage reports it.
type crashCharge struct {
	ID       uint64    `json:"id"`
	Units    int64     `json:"units"`
	Amount   int64     `json:"amount"`
	Transfer uint64    `json:"transfer"`
	Time     time.Time `json:"time"`
}

// crashUnitPrice is the subscription's price of one use.
const crashUnitPrice = 100

// newUsageClient has the agent propose a subscription and the person
// approve it in the dialog of person's device, with the PIN if asked.
func newUsageClient(ctx context.Context, d *crashDaemon, rec *crashRecord, person *dialogClient, seed uint64,
	stopping *atomic.Bool) (*usageClient, error) {
	c := &usageClient{d: d, rec: rec, rng: rand.New(rand.NewPCG(seed, 0x757365)), stopping: stopping}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	var m struct {
		ID    uint64 `json:"id"`
		State string `json:"state"`
	}
	args := map[string]any{"payee": "crash_cloud", "unit": "use", "unit_price": crashUnitPrice, "cap": int64(1e8),
		"expires": time.Now().Add(24 * time.Hour).UTC().Format(time.RFC3339), "idempotency_key": "crash-subscription"}
	if refused, err := call(c.cs, "propose_subscription", args, &m); err != nil || refused != "" {
		return nil, fmt.Errorf("propose_subscription: %v %s", err, refused)
	}
	c.mandate = m.ID
	a, err := person.turn(ctx, "approve the subscription")
	if err == nil && strings.Contains(a.reply, "PIN") {
		a, err = person.turn(ctx, spokenCrashPIN)
	}
	if err != nil {
		return nil, err
	}
	if refused, err := call(c.cs, "get_subscription", map[string]any{"subscription_id": c.mandate}, &m); err != nil ||
		refused != "" || m.State != "active" {
		return nil, fmt.Errorf("subscription %d after %q: %s %v %s", c.mandate, a.reply, m.State, err, refused)
	}
	return c, nil
}

func (c *usageClient) run(ctx context.Context) {
	for !c.stopping.Load() && ctx.Err() == nil {
		c.seq++
		req := usageAnswer{key: fmt.Sprintf("usage-%d", c.seq), units: 1 + c.rng.Int64N(5)}
		gen := c.gen
		ch, resent, err := c.send(ctx, req.key, req.units)
		if err != nil {
			if ctx.Err() == nil {
				c.rec.fail("record_usage %s: %v", req.key, err)
			}
			return
		}
		if ch.Units != req.units || ch.Amount != req.units*crashUnitPrice || ch.Transfer == 0 {
			c.rec.fail("record_usage %s of %d units: charged %+v", req.key, req.units, ch)
			return
		}
		c.rec.charge(ch, resent)
		req.charge = *ch
		if gen != 0 && c.gen != gen && c.last != nil {
			c.resendLast(ctx)
		}
		c.last = &req
		time.Sleep(time.Duration(c.rng.Int64N(int64(20 * time.Millisecond))))
	}
}

// connect opens an MCP session with the daemon that is up, waiting for one.
func (c *usageClient) connect(ctx context.Context) error {
	for c.cs == nil {
		base, gen, err := c.d.current(ctx)
		if err != nil {
			return err
		}
		cs, err := connect(httpTransport(base+"/mcp", map[string]string{"Authorization": "Bearer " + c.d.AgentToken}))
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		c.cs, c.gen = cs, gen
	}
	return nil
}

// send records usage, resending it under the same key while the daemon
// is down or restarting. A tool's refusal is an answer, and an error.
func (c *usageClient) send(ctx context.Context, key string, units int64) (*crashCharge, bool, error) {
	for try := 0; try < maxResends; try++ {
		if err := c.connect(ctx); err != nil {
			return nil, false, err
		}
		var out struct {
			Charge crashCharge `json:"charge"`
		}
		args := map[string]any{"subscription_id": c.mandate, "units": units, "idempotency_key": key}
		refused, err := call(c.cs, "record_usage", args, &out)
		if err == nil && refused != "" {
			return nil, false, fmt.Errorf("refused: %s", refused)
		}
		if err == nil {
			return &out.Charge, try > 0, nil
		}
		if ctx.Err() != nil {
			return nil, false, err
		}
		c.cs.Close()
		c.cs = nil
		time.Sleep(10 * time.Millisecond)
	}
	return nil, false, fmt.Errorf("no answer after %d resends", maxResends)
}

// resendLast resends the record answered before the last, which the
// daemon before this one answered, and checks it is answered with the
// same charge.
func (c *usageClient) resendLast(ctx context.Context) {
	ch, _, err := c.send(ctx, c.last.key, c.last.units)
	ok := err == nil && ch.ID == c.last.charge.ID && ch.Transfer == c.last.charge.Transfer &&
		ch.Amount == c.last.charge.Amount && ch.Time.Equal(c.last.charge.Time)
	c.rec.retry(ok)
	if !ok && ctx.Err() == nil {
		c.rec.fail("record_usage %s resent after a restart: %+v, %v; first %+v", c.last.key, ch, err, c.last.charge)
	}
}
