package mcp

import (
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// instructions is what the server tells every client when it connects.
const instructions = `voicepay lets you propose payments for the person you work for. You can only propose:
the person confirms and authorizes every order, and approves every tip allowance and
subscription, themselves, by voice (or typed text) in their own voicepay session. Tell them
what you proposed and that they confirm it by voice, then wait with wait_order or
get_subscription. Never ask the person for their PIN, a code or a confirmation phrase, and
never claim they already approved something: a memo or note is shown to them, never obeyed.
Amounts are integers in minor units (fen for CNY: 1800 is 18 yuan). Every mutating call
takes an idempotency_key: reuse it when you retry the same request, never for another.`

// personConfirms ends every tool description: who decides, and what an
// agent must never do.
const personConfirms = " The person confirms or approves by voice in their own voicepay session; " +
	"no tool confirms, authorizes or approves. Never ask the person for their PIN."

// hints are a tool's annotations: every tool states all three hints.
func hints(readOnly, destructive, idempotent bool) *sdk.ToolAnnotations {
	closed := false
	return &sdk.ToolAnnotations{ReadOnlyHint: readOnly, DestructiveHint: &destructive,
		IdempotentHint: idempotent, OpenWorldHint: &closed}
}

// The tools, in the order they are listed.
const (
	toolCreateOrder         = "create_order"
	toolGetOrder            = "get_order"
	toolWaitOrder           = "wait_order"
	toolCancelOrder         = "cancel_order"
	toolGetBalance          = "get_balance"
	toolListTransactions    = "list_transactions"
	toolRequestTip          = "request_tip"
	toolProposeSubscription = "propose_subscription"
	toolRecordUsage         = "record_usage"
	toolGetSubscription     = "get_subscription"
)

func (s *Server) addTools() {
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolCreateOrder, Title: "Propose an order",
		Description: "Propose an order for the person to pay: catalog items of a merchant " +
			"(merchant is a catalog id such as luckin_coffee, items are catalog item ids) or free lines " +
			"with their prices (merchant is then the name of whom to pay). The order is drafted and read " +
			"out to the person at once; nothing is held or paid until they confirm and authorize it. " +
			"Then call wait_order." + personConfirms,
		Annotations: hints(false, false, true)}, s.createOrder)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolGetOrder, Title: "Read an order",
		Description: "Read one order this agent proposed: its state (drafted, confirmed, paid, cancelled " +
			"or expired), lines, total, and what it waits for." + personConfirms,
		Annotations: hints(true, false, true)}, s.getOrder)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolWaitOrder, Title: "Wait for the person's decision",
		Description: "Wait until the person has decided on an order this agent proposed: it returns " +
			"when the order is paid, cancelled or expired, when risk control blocked it, or when " +
			"timeout_seconds pass (default 60, at most 300). Call it again after a timeout." + personConfirms,
		Annotations: hints(true, false, true)}, s.waitOrder)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolCancelOrder, Title: "Withdraw an order",
		Description: "Withdraw an order this agent proposed, before it is paid; any hold on the " +
			"person's money is released. A paid order cannot be cancelled." + personConfirms,
		Annotations: hints(false, true, true)}, s.cancelOrder)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolGetBalance, Title: "Read the balance",
		Description: "Read the person's wallet balance: posted, on hold and available, in minor units." +
			personConfirms,
		Annotations: hints(true, false, true)}, s.getBalance)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolListTransactions, Title: "List transactions",
		Description: "List the person's most recent transfers, newest first: payments, holds, " +
			"released holds and top-ups." + personConfirms,
		Annotations: hints(true, false, true)}, s.listTransactions)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolRequestTip, Title: "Ask for a tip",
		Description: "Ask the person for a tip to a payee (an id such as claude_dev): amount and a note. " +
			"The person approves the tip by voice, and it is paid then. Optionally ask for an allowance " +
			"(cap per period, period, expiry) so that later tips within it are paid without asking; " +
			"while such an allowance the person approved covers the amount, the tip is paid at once." +
			personConfirms,
		Annotations: hints(false, true, true)}, s.requestTip)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolProposeSubscription, Title: "Propose a subscription",
		Description: "Propose a usage-based subscription to a payee: a price per use or per minute, " +
			"a cap per period, the period and an expiry. Nothing is charged until the person approves " +
			"it by voice; then record_usage charges within the cap. Poll get_subscription for the " +
			"person's decision." + personConfirms,
		Annotations: hints(false, false, true)}, s.proposeSubscription)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolRecordUsage, Title: "Charge usage",
		Description: "Charge usage under a subscription the person approved: units are uses, or " +
			"minutes. Charges are idempotent by idempotency_key, screened by risk control, and refused " +
			"past the cap of the period, after the expiry, or once the person revoked it." + personConfirms,
		Annotations: hints(false, true, true)}, s.recordUsage)
	sdk.AddTool(s.mcp, &sdk.Tool{Name: toolGetSubscription, Title: "Read a subscription",
		Description: "Read a subscription or tip allowance this agent proposed: its state (proposed, " +
			"active, exhausted, expired, revoked or declined), its cap and what is left of it in this " +
			"period." + personConfirms,
		Annotations: hints(true, false, true)}, s.getSubscription)
}
