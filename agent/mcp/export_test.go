package mcp

import (
	"bytes"
	"context"
	"encoding/json"
	"regexp"

	"github.com/modelcontextprotocol/go-sdk/auth"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voicepay/voicepay/wallet"
)

// SetWaiting has s call fn each time a wait has read an undecided order or
// mandate and is about to wait for it to change. Call it before s serves.
func SetWaiting(s *Server, fn func(id uint64)) { s.waiting = fn }

// CallDirect calls a tool's own code as agent, past the SDK and the check
// of the arguments against the tool's schema, and returns its refusal.
func CallDirect(ctx context.Context, s *Server, agentID, tool string, args map[string]any) error {
	raw, err := json.Marshal(args)
	if err != nil {
		return err
	}
	req := &sdk.CallToolRequest{Params: &sdk.CallToolParamsRaw{Name: tool, Arguments: raw},
		Extra: &sdk.RequestExtra{TokenInfo: &auth.TokenInfo{UserID: agentID}}}
	switch tool {
	case toolCreateOrder:
		return direct(ctx, req, s.createOrder)
	case toolGetOrder:
		return direct(ctx, req, s.getOrder)
	case toolWaitOrder:
		return direct(ctx, req, s.waitOrder)
	case toolCancelOrder:
		return direct(ctx, req, s.cancelOrder)
	case toolListTransactions:
		return direct(ctx, req, s.listTransactions)
	case toolRequestTip:
		return direct(ctx, req, s.requestTip)
	case toolProposeSubscription:
		return direct(ctx, req, s.proposeSubscription)
	case toolRecordUsage:
		return direct(ctx, req, s.recordUsage)
	case toolGetSubscription:
		return direct(ctx, req, s.getSubscription)
	case toolWaitMandate:
		return direct(ctx, req, s.waitMandate)
	case toolSearchCatalog:
		return direct(ctx, req, s.searchCatalog)
	}
	return wallet.Errorf(wallet.EUNSUPPORTED, "no direct call of %s", tool)
}

func direct[In, Out any](ctx context.Context, req *sdk.CallToolRequest,
	h func(context.Context, *sdk.CallToolRequest, In) (*sdk.CallToolResult, *Out, error)) error {
	var in In
	dec := json.NewDecoder(bytes.NewReader(req.Params.Arguments))
	if err := dec.Decode(&in); err != nil {
		return wallet.Errorf(wallet.EINVALID, "%v", err)
	}
	_, _, err := h(ctx, req, in)
	return err
}

// ValidPayeePattern reports whether the schema's payee id pattern takes id.
func ValidPayeePattern(id string) bool { return regexp.MustCompile(payeeIDPattern).MatchString(id) }
