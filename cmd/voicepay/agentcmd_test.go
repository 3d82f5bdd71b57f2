package main

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestAgentScripts runs the scripts of voicepay agent alone, as TestScripts
// runs every script: pairing, listing and revoking agents, and their grants.
func TestAgentScripts(t *testing.T) {
	p := scriptParams()
	p.Dir, p.Files = "", []string{"testdata/script/agent.txtar", "testdata/script/agent_grants.txtar"}
	testscript.Run(t, p)
}
