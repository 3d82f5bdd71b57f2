package wallet_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/voicepay/voicepay/wallet"
)

func ids[T interface {
	*wallet.Order | *wallet.Mandate
}](list []T) []uint64 {
	out := []uint64{}
	for _, x := range list {
		switch v := any(x).(type) {
		case *wallet.Order:
			out = append(out, v.ID)
		case *wallet.Mandate:
			out = append(out, v.ID)
		}
	}
	return out
}

// TestFindOrders checks which orders are live, which wait for the person,
// and the newest paid ones, against orders in every state.
func TestFindOrders(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	db.MustTopup(t, 100000)
	db.MustPairAgent(t, Claude)
	db.MustPairAgent(t, "gone")
	proposed := func(agent string) *wallet.Order {
		d := Lattes(1)
		d.Agent = agent
		return db.MustCreate(t, d)
	}
	paid1 := db.MustCreate(t, Lattes(1))
	db.MustConfirm(t, paid1.ID)
	db.MustAuthorize(t, paid1.ID)
	lapsing := proposed(Claude) // lapses below
	db.Clock.Advance(db.OrderTimeout / 2)
	waiting := proposed(Claude)
	own := db.MustCreate(t, Lattes(2))
	held := proposed(Claude)
	db.Clock.Advance(time.Minute)
	db.MustConfirm(t, held.ID) // its hold lapses a minute after the first order
	orphan := proposed("gone")
	if err := db.RevokeDevice(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	cancelled := db.MustCreate(t, Lattes(1))
	if _, err := db.CancelOrder(ctx, Key("cancel"), cancelled.ID); err != nil {
		t.Fatal(err)
	}
	paid2 := db.MustCreate(t, Lattes(3))
	db.MustConfirm(t, paid2.ID)
	db.MustAuthorize(t, paid2.ID)
	db.Clock.Advance(db.OrderTimeout/2 - time.Second) // the first proposal has lapsed
	if db.HoldTimeout != db.OrderTimeout/2 {
		t.Fatalf("the test assumes a hold lasts half as long as an order")
	}

	tests := []struct {
		name   string
		filter wallet.OrderFilter
		want   []uint64
	}{
		// The revoke cancelled the orphan.
		{"live", wallet.OrderFilter{Live: true}, []uint64{waiting.ID, own.ID, held.ID}},
		{"live newest first", wallet.OrderFilter{Live: true, Newest: true, Limit: 2}, []uint64{held.ID, own.ID}},
		{"waiting for the person", wallet.OrderFilter{Waiting: true}, []uint64{waiting.ID}},
		{"paid newest first", wallet.OrderFilter{State: wallet.Paid, Newest: true}, []uint64{paid2.ID, paid1.ID}},
		{"one paid", wallet.OrderFilter{State: wallet.Paid, Limit: 1}, []uint64{paid1.ID}},
		{"drafted, lapsed or not", wallet.OrderFilter{State: wallet.Drafted},
			[]uint64{lapsing.ID, waiting.ID, own.ID}},
		{"cancelled", wallet.OrderFilter{State: wallet.Cancelled}, []uint64{orphan.ID, cancelled.ID}},
		{"claude's", wallet.OrderFilter{Agent: Claude, Newest: true}, []uint64{held.ID, waiting.ID, lapsing.ID}},
		{"claude's since", wallet.OrderFilter{Agent: Claude, Since: waiting.Created}, []uint64{waiting.ID, held.ID}},
		{"all", wallet.OrderFilter{}, []uint64{paid1.ID, lapsing.ID, waiting.ID, own.ID, held.ID, orphan.ID,
			cancelled.ID, paid2.ID}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.FindOrders(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got orders %v, want %v", ids(got), tt.want)
			}
		})
	}
}

// TestFindMandates checks the mandate filter, and that a revoked agent's
// proposal waits for nobody: the revoke declined it.
func TestFindMandates(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	db.MustPairAgent(t, "gone")
	sub := db.MustPropose(t, Metered(100, 1000))
	db.MustApprove(t, sub.ID)
	tip := db.MustPropose(t, Tip(500, 500))
	other := Tip(200, 200)
	other.Agent = "gone"
	orphan := db.MustPropose(t, other)
	if err := db.RevokeDevice(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		filter wallet.MandateFilter
		want   []uint64
	}{
		{"all", wallet.MandateFilter{}, []uint64{sub.ID, tip.ID, orphan.ID}},
		{"newest", wallet.MandateFilter{Newest: true, Limit: 2}, []uint64{orphan.ID, tip.ID}},
		{"declined", wallet.MandateFilter{States: []wallet.MandateState{wallet.MandateDeclined}}, []uint64{orphan.ID}},
		{"claude's", wallet.MandateFilter{Agent: Claude}, []uint64{sub.ID, tip.ID}},
		{"claude's since", wallet.MandateFilter{Agent: Claude, Since: tip.Created.Add(time.Nanosecond)}, []uint64{}},
		{"proposed", wallet.MandateFilter{States: []wallet.MandateState{wallet.MandateProposed}}, []uint64{tip.ID}},
		{"tips", wallet.MandateFilter{Kind: wallet.MandateTip}, []uint64{tip.ID, orphan.ID}},
		{"active", wallet.MandateFilter{States: []wallet.MandateState{wallet.MandateActive, wallet.MandateExhausted}},
			[]uint64{sub.ID}},
		{"to a payee", wallet.MandateFilter{Payee: wallet.PayeeAccount("nobody")}, []uint64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := db.FindMandates(ctx, tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("got mandates %v, want %v", ids(got), tt.want)
			}
		})
	}
}

// TestChargeTip charges tips under the oldest allowance with room, and
// remembers under the key what it did, room or none.
func TestChargeTip(t *testing.T) {
	ctx := context.Background()
	db := openMandates(t)
	// No allowance: nothing is charged, and the key remembers that.
	c, m, err := db.ChargeTip(ctx, "k0", Claude, Dev, 300)
	if c != nil || m != nil || err != nil {
		t.Fatalf("no allowance: got %+v %+v %v, want nothing", c, m, err)
	}
	small := db.MustPropose(t, Tip(100, 400))
	db.MustApprove(t, small.ID) // 300 left
	big := db.MustPropose(t, Tip(100, 2000))
	db.MustApprove(t, big.ID)
	if c, _, err := db.ChargeTip(ctx, "k0", Claude, Dev, 300); c != nil || err != nil {
		t.Errorf("retry of a key that found no room: got %+v %v, want no charge", c, err)
	}
	c, m, err = db.ChargeTip(ctx, "k1", Claude, Dev, 300)
	if err != nil || c == nil || m.ID != small.ID || c.Amount != 300 {
		t.Fatalf("got %+v %+v %v, want 300 under the oldest allowance %d", c, m, err, small.ID)
	}
	again, _, err := db.ChargeTip(ctx, "k1", Claude, Dev, 300)
	if err != nil || again == nil || again.ID != c.ID {
		t.Errorf("retry: got %+v %v, want charge %d again", again, err, c.ID)
	}
	c, m, err = db.ChargeTip(ctx, "k2", Claude, Dev, 300)
	if err != nil || c == nil || m.ID != big.ID {
		t.Errorf("the oldest is used up: got %+v %+v %v, want a charge under %d", c, m, err, big.ID)
	}
	if _, _, err := db.ChargeTip(ctx, "k3", "stranger", Dev, 300); !wantCode(err, wallet.EUNAUTHORIZED) {
		t.Errorf("an agent not paired: got %v, want unauthorized", err)
	}
	if got := db.MustAccount(t, Dev).Balance(); got != 100+100+300+300 {
		t.Errorf("payee balance %d, want %d", got, 800)
	}
}

func wantCode(err error, code string) bool { return err != nil && wallet.ErrorCode(err) == code }
