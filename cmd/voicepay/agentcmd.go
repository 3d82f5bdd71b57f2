package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/voicepay/voicepay/agent"
	"github.com/voicepay/voicepay/agent/ws"
	"github.com/voicepay/voicepay/config"
	"github.com/voicepay/voicepay/wallet"
)

// AgentCommand pairs, lists and revokes the agents that may use the payment
// tools: through the daemon when it runs, else on the ledger file directly.
type AgentCommand struct{}

const agentUsage = "usage: voicepay agent add NAME [--allow GRANTS] [--deny GRANTS] [--token-file FILE] | list | revoke NAME"

func (c *AgentCommand) Run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(agentUsage)
	}
	sub, args := args[0], args[1:]
	flags := newFlags("agent " + sub)
	tokenFile := flags.fs.String("token-file", "", "add: write the token to `file` (mode 0600) instead of printing it")
	var allow, deny listFlag
	flags.fs.Var(&allow, "allow", "add: also grant these (comma-separated; "+strings.Join(wallet.AllGrants, ", ")+
		"); on an agent already paired, change its grants and keep its token")
	flags.fs.Var(&deny, "deny", "add: grant all but these of the defaults ("+strings.Join(wallet.DefaultGrants, ", ")+")")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	rest := flags.args
	switch sub {
	case "add":
		if len(rest) != 1 {
			return fmt.Errorf("add needs one NAME, e.g. claude; %s", agentUsage)
		}
		return withAgents(ctx, cfg, func(r agentRegistry) error {
			a, token, err := r.add(ctx, rest[0], allow, deny)
			if err != nil {
				return err
			}
			if token == "" {
				fmt.Printf("agent %s may now use: %s\n", a.Name, grantList(a.Grants))
				return nil
			}
			fmt.Fprintf(os.Stderr, "voicepay: agent %s may use: %s\n", a.Name, grantList(a.Grants))
			if *tokenFile != "" {
				if err := writeFileAtomic(*tokenFile, []byte(token+"\n"), 0o600); err != nil {
					return fmt.Errorf("write the token: %w", err)
				}
				fmt.Fprintf(os.Stderr, "voicepay: agent %s added; its token is in %s\n", a.Name, *tokenFile)
				return nil
			}
			fmt.Println(token)
			fmt.Fprintf(os.Stderr, "voicepay: agent %s added. Its token is shown once: give it to the agent as "+
				"VOICEPAY_AGENT_TOKEN for voicepay mcp, or as a bearer token on /mcp.\n", a.Name)
			return nil
		})
	case "list":
		if len(rest) != 0 {
			return errors.New(agentUsage)
		}
		return withAgents(ctx, cfg, func(r agentRegistry) error {
			list, err := r.list(ctx)
			if err != nil {
				return err
			}
			if len(list) == 0 {
				fmt.Println("no agents yet: voicepay agent add NAME pairs one")
			}
			for _, a := range list {
				fmt.Printf("%-24s added %s  grants: %s\n", a.Name, a.Created.Local().Format(time.DateTime), grantList(a.Grants))
			}
			return nil
		})
	case "revoke":
		if len(rest) != 1 {
			return fmt.Errorf("revoke needs one NAME; %s", agentUsage)
		}
		return withAgents(ctx, cfg, func(r agentRegistry) error {
			if err := r.revoke(ctx, rest[0]); err != nil {
				return err
			}
			fmt.Printf("agent %s revoked; its token no longer works, and its proposals, subscriptions and "+
				"unpaid orders are ended\n", rest[0])
			return nil
		})
	}
	return fmt.Errorf("unknown agent command %q; %s", sub, agentUsage)
}

// grantList says an agent's grants.
func grantList(grants []string) string {
	if len(grants) == 0 {
		return "nothing (voicepay agent add NAME --allow GRANTS grants some)"
	}
	return strings.Join(grants, ", ")
}

// agentRegistry is where agents are paired: the daemon or the ledger file.
type agentRegistry interface {
	add(ctx context.Context, name string, allow, deny []string) (*agent.AgentInfo, string, error)
	list(ctx context.Context) ([]agent.AgentInfo, error)
	revoke(ctx context.Context, name string) error
}

// withAgents runs fn against the daemon when it is running, and otherwise
// on the ledger file.
func withAgents(ctx context.Context, cfg *config.Config, fn func(agentRegistry) error) error {
	return viaDaemon(ctx, cfg,
		func(c *ws.Client) error { return fn(remoteAgents{c}) },
		func(db *wallet.DB) error { return fn(localAgents{db}) })
}

type remoteAgents struct{ c *ws.Client }

func (r remoteAgents) add(ctx context.Context, name string, allow, deny []string) (*agent.AgentInfo, string, error) {
	var out ws.AddAgentResponse
	if err := r.c.Post(ctx, "/v1/agents", ws.AddAgentRequest{Name: name, Allow: allow, Deny: deny}, &out); err != nil {
		return nil, "", err
	}
	return &out.Agent, out.Token, nil
}

func (r remoteAgents) list(ctx context.Context) ([]agent.AgentInfo, error) {
	var out struct{ Agents []agent.AgentInfo }
	err := r.c.Get(ctx, "/v1/agents", &out)
	return out.Agents, err
}

func (r remoteAgents) revoke(ctx context.Context, name string) error {
	var out map[string]string
	return r.c.Post(ctx, "/v1/agents/revoke", ws.RevokeAgentRequest{Name: name}, &out)
}

type localAgents struct{ db *wallet.DB }

func (l localAgents) add(ctx context.Context, name string, allow, deny []string) (*agent.AgentInfo, string, error) {
	return agent.AddAgent(ctx, l.db, name, allow, deny)
}

func (l localAgents) list(ctx context.Context) ([]agent.AgentInfo, error) {
	return agent.Agents(ctx, l.db)
}

func (l localAgents) revoke(ctx context.Context, name string) error {
	return agent.RevokeAgent(ctx, l.db, name)
}
