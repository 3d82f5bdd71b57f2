package mcp

import (
	"context"
	"fmt"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/wallet"
)

// Balance is the person's account as an agent sees it.
type Balance struct {
	Balance   int64  `json:"balance" jsonschema:"posted balance, minor units"`
	Held      int64  `json:"held" jsonschema:"on hold for confirmed orders, minor units"`
	Available int64  `json:"available" jsonschema:"what can still be spent: balance less holds, minor units"`
	Currency  string `json:"currency"`
	Frozen    bool   `json:"frozen" jsonschema:"the wallet is frozen and pays nothing until the person unfreezes it"`
	Text      string `json:"text" jsonschema:"the balance as the person hears it"`
}

// NoInput is the input of a tool that takes none.
type NoInput struct{}

// TransactionsIn is what list_transactions takes.
type TransactionsIn struct {
	Limit int `json:"limit,omitempty" jsonschema:"how many, newest first; default 20, at most 100"`
}

// Transaction is one transfer of the person's account.
type Transaction struct {
	ID           uint64    `json:"id"`
	Kind         string    `json:"kind" jsonschema:"paid, held, released or received"`
	Counterparty string    `json:"counterparty" jsonschema:"the other account, e.g. merchant:luckin_coffee"`
	Amount       int64     `json:"amount" jsonschema:"minor units"`
	Currency     string    `json:"currency"`
	Time         time.Time `json:"time"`
	Ref          string    `json:"ref,omitempty" jsonschema:"what it was for, e.g. order:12"`
}

// Transactions is what list_transactions returns.
type Transactions struct {
	Transactions []Transaction `json:"transactions"`
}

func (s *Server) getBalance(ctx context.Context, req *sdk.CallToolRequest, _ NoInput) (*sdk.CallToolResult, *Balance, error) {
	ag, err := agentOf(req)
	if err != nil {
		return nil, nil, err
	}
	a, err := s.Hub.DB.Account(ctx, wallet.UserAccount)
	if err != nil {
		return nil, nil, s.fail(toolGetBalance, ag, err)
	}
	b := &Balance{Balance: a.Balance(), Held: a.DebitsPending, Available: a.Available(), Currency: a.Currency, Frozen: a.Frozen}
	b.Text = "The balance is " + agent.Money(b.Balance, b.Currency)
	if b.Held > 0 {
		b.Text += ", of which " + agent.Money(b.Held, b.Currency) + " is on hold"
	}
	b.Text += "."
	if b.Frozen {
		b.Text += " The wallet is frozen."
	}
	return text(b.Text), b, nil
}

func (s *Server) listTransactions(ctx context.Context, req *sdk.CallToolRequest, in TransactionsIn) (*sdk.CallToolResult, *Transactions, error) {
	// An agent sees its own transfers only: those of its orders, the
	// charges under its mandates and its refunds, since its pairing.
	ag, since, err := s.pairing(ctx, req)
	if err != nil {
		return nil, nil, err
	}
	limit, err := listLimit(in.Limit)
	if err != nil {
		return nil, nil, err
	}
	ts, err := s.Hub.DB.AgentTransfers(ctx, ag, since, limit)
	if err != nil {
		return nil, nil, s.fail(toolListTransactions, ag, err)
	}
	out := &Transactions{Transactions: make([]Transaction, 0, len(ts))}
	var b strings.Builder
	fmt.Fprintf(&b, "%s, newest first.", counted(len(ts), "transaction", "transactions"))
	for _, t := range ts {
		x := Transaction{ID: t.ID, Kind: t.Effect(wallet.UserAccount), Counterparty: t.Credit, Amount: t.Amount,
			Currency: t.Currency, Time: t.Time, Ref: t.Ref}
		if t.Credit == wallet.UserAccount {
			x.Counterparty = t.Debit
		}
		out.Transactions = append(out.Transactions, x)
		fmt.Fprintf(&b, "\n%d %s %s %s %s", x.ID, x.Kind, agent.Money(x.Amount, x.Currency), x.Counterparty, x.Ref)
	}
	return text(b.String()), out, nil
}
