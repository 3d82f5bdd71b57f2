package mcp

import (
	"context"
	"encoding/json"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
)

// instructions is what the server tells every client when it connects.
const instructions = `voicepay lets you propose payments for the person you work for. You can only propose:
the person confirms and authorizes every order, and approves every tip allowance and
subscription, themselves, by voice (or typed text) in their own voicepay session. Tell them
what you proposed and that they confirm it by voice, then wait with wait_order or
wait_mandate. A wait returns within 25 s by default and sends progress notifications
every few seconds; if your request timeout is shorter than the timeout_seconds you ask
for, pass a progress token and reset the timeout on progress. Find merchants and items
with list_catalog and search_catalog. Never ask the person for their PIN, a code or a confirmation phrase, and
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
	toolWaitMandate         = "wait_mandate"
	toolListCatalog         = "list_catalog"
	toolSearchCatalog       = "search_catalog"
)

// waitNote is what the wait tools say of their timeout and progress.
const waitNote = " While it waits it sends a progress notification every few seconds to a call that carries " +
	"a progress token. Client request timeouts are often 60 s: a client whose request timeout is below " +
	"timeout_seconds should pass a progress token and reset its timeout on progress (the TypeScript SDK's " +
	"resetTimeoutOnProgress)."

func (s *Server) addTools() {
	addTool(s, &sdk.Tool{Name: toolCreateOrder, Title: "Propose an order", InputSchema: createOrderSchema(),
		Description: "Propose an order for the person to pay: catalog items of a merchant " +
			"(merchant is a catalog id such as luckin_coffee, items are catalog item ids) or free lines " +
			"with their prices (merchant is then the name of whom to pay). The order is drafted and read " +
			"out to the person at once; nothing is held or paid until they confirm and authorize it. " +
			"Then call wait_order." + personConfirms,
		Annotations: hints(false, false, true)}, s.createOrder)
	addTool(s, &sdk.Tool{Name: toolGetOrder, Title: "Read an order", InputSchema: orderSchema(),
		Description: "Read one order this agent proposed: its state (drafted, confirmed, paid, cancelled " +
			"or expired), lines, total, and what it waits for." + personConfirms,
		Annotations: hints(true, false, true)}, s.getOrder)
	addTool(s, &sdk.Tool{Name: toolWaitOrder, Title: "Wait for the person's decision", InputSchema: waitOrderSchema(),
		Description: "Wait until the person has decided on an order this agent proposed: it returns " +
			"when the order is paid, cancelled or expired, when risk control blocked it, or when " +
			"timeout_seconds pass (default 25, at most 300), with timed_out true. Call it again after a timeout." +
			waitNote + personConfirms,
		Annotations: hints(true, false, true)}, s.waitOrder)
	addTool(s, &sdk.Tool{Name: toolCancelOrder, Title: "Withdraw an order", InputSchema: orderSchema(),
		Description: "Withdraw an order this agent proposed, before it is paid; any hold on the " +
			"person's money is released. A paid order cannot be cancelled." + personConfirms,
		Annotations: hints(false, true, true)}, s.cancelOrder)
	addTool(s, &sdk.Tool{Name: toolGetBalance, Title: "Read the balance", InputSchema: noInputSchema(),
		Description: "Read the person's wallet balance: posted, on hold and available, in minor units." +
			personConfirms,
		Annotations: hints(true, false, true)}, s.getBalance)
	addTool(s, &sdk.Tool{Name: toolListTransactions, Title: "List transactions", InputSchema: transactionsSchema(),
		Description: "List the person's most recent transfers, newest first: payments, holds, " +
			"released holds and top-ups." + personConfirms,
		Annotations: hints(true, false, true)}, s.listTransactions)
	addTool(s, &sdk.Tool{Name: toolRequestTip, Title: "Ask for a tip", InputSchema: requestTipSchema(),
		Description: "Ask the person for a tip to a payee (an id such as claude_dev): amount and a note. " +
			"The person approves the tip by voice, and it is paid then. Optionally ask for an allowance " +
			"(cap per period, period, expiry) so that later tips within it are paid without asking; " +
			"while such an allowance the person approved covers the amount, the tip is paid at once." +
			personConfirms,
		Annotations: hints(false, true, true)}, s.requestTip)
	addTool(s, &sdk.Tool{Name: toolProposeSubscription, Title: "Propose a subscription",
		InputSchema: proposeSubscriptionSchema(),
		Description: "Propose a usage-based subscription to a payee: a price per use or per minute, " +
			"a cap per period, the period and an expiry (in 30 days when left out). Nothing is charged " +
			"until the person approves it by voice; then record_usage charges within the cap. Wait for " +
			"the person's decision with wait_mandate." + personConfirms,
		Annotations: hints(false, false, true)}, s.proposeSubscription)
	addTool(s, &sdk.Tool{Name: toolRecordUsage, Title: "Charge usage", InputSchema: recordUsageSchema(),
		Description: "Charge usage under a subscription the person approved: units are uses, or " +
			"minutes. Under a tip allowance it charges a tip: units are then the tip in minor units (fen). " +
			"Charges are idempotent by idempotency_key, screened by risk control, and refused " +
			"past the cap of the period, after the expiry, or once the person revoked it. Risk control " +
			"blocks a runaway rate of charges, so batch units into one charge rather than one at a time." +
			personConfirms,
		Annotations: hints(false, true, true)}, s.recordUsage)
	addTool(s, &sdk.Tool{Name: toolGetSubscription, Title: "Read a subscription", InputSchema: subscriptionSchema(),
		Description: "Read a subscription or tip allowance this agent proposed: its state (proposed, " +
			"active, exhausted, expired, revoked or declined), its cap and what is left of it in this " +
			"period." + personConfirms,
		Annotations: hints(true, false, true)}, s.getSubscription)
	addTool(s, &sdk.Tool{Name: toolWaitMandate, Title: "Wait for the person's approval", InputSchema: waitMandateSchema(),
		Description: "Wait until the person has decided on a subscription or tip allowance this agent " +
			"proposed: it returns when it is no longer proposed (approved, declined or expired), or when " +
			"timeout_seconds pass (default 25, at most 300), with timed_out true. Call it again after a timeout." +
			waitNote + personConfirms,
		Annotations: hints(true, false, true)}, s.waitMandate)
	addTool(s, &sdk.Tool{Name: toolListCatalog, Title: "List the catalog", InputSchema: noInputSchema(),
		Description: "List the catalog: every merchant with its id and name, and the items each sells, with " +
			"their ids, names and prices in minor units. create_order takes these ids." + personConfirms,
		Annotations: hints(true, false, true)}, s.listCatalog)
	addTool(s, &sdk.Tool{Name: toolSearchCatalog, Title: "Search the catalog", InputSchema: searchCatalogSchema(),
		Description: "Find merchants and items whose id or name matches a query, case-insensitive, best " +
			"match first: the whole name, then a prefix, a part, and near spellings. Each item comes with " +
			"the merchant that sells it and its price in minor units." + personConfirms,
		Annotations: hints(true, false, true)}, s.searchCatalog)
}

// addTool adds a tool whose structured output is out as encoding/json
// writes it. The SDK's own path decodes the output into untyped values and
// encodes them again, which would round an int64 above 2^53, such as a
// balance in minor units, through a float64.
func addTool[In, Out any](s *Server, t *sdk.Tool, h func(context.Context, *sdk.CallToolRequest, In) (*sdk.CallToolResult, *Out, error)) {
	t.OutputSchema = schemaOf[Out]()
	sdk.AddTool(s.mcp, t, func(ctx context.Context, req *sdk.CallToolRequest, in In) (*sdk.CallToolResult, any, error) {
		res, out, err := h(ctx, req, in)
		if err != nil || out == nil {
			return res, nil, err
		}
		b, err := json.Marshal(out)
		if err != nil {
			return nil, nil, err
		}
		if res == nil {
			res = &sdk.CallToolResult{Content: []sdk.Content{&sdk.TextContent{Text: string(b)}}}
		}
		res.StructuredContent = json.RawMessage(b)
		return res, nil, nil
	})
}
