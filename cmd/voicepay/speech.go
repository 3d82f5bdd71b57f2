package main

import (
	"context"
	"fmt"
	"os/exec"
)

// speak says text through espeak-ng, when it is installed.
func speak(ctx context.Context, text string) error {
	bin, err := exec.LookPath("espeak-ng")
	if err != nil {
		return fmt.Errorf("--speak needs espeak-ng: %w", err)
	}
	return exec.CommandContext(ctx, bin, text).Run()
}
