package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/term"

	"github.com/voicepay/voicepay/agent/speech"
	"github.com/voicepay/voicepay/intent"
	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/voice/openai"
)

// TranscribeCommand turns WAV files into text and intents, offline by
// default. It needs no daemon.
type TranscribeCommand struct{}

// transcription is one line of --json output.
type transcription struct {
	File          string       `json:"file"`
	Text          string       `json:"text"`
	Intent        string       `json:"intent"`
	Slots         intent.Slots `json:"slots"`
	Confidence    float64      `json:"confidence"`
	AudioSeconds  float64      `json:"audio_seconds"`
	DecodeSeconds float64      `json:"decode_seconds"`
	Error         string       `json:"error,omitempty"`
}

// transcriber is a speech-to-text backend for whole files.
type transcriber interface {
	Transcribe(ctx context.Context, samples []int16) (string, error)
}

func (c *TranscribeCommand) Run(ctx context.Context, args []string) error {
	flags := newFlags("transcribe")
	asJSON := flags.fs.Bool("json", false, "print one JSON object per file, one per line")
	backend := flags.fs.String("backend", "sphinx", "speech-to-text backend: sphinx (offline) or openai")
	baseURL := flags.fs.String("openai-url", "https://api.openai.com/v1", "openai backend: the API's base URL")
	model := flags.fs.String("openai-model", "whisper-1", "openai backend: the model")
	cfg, err := flags.load(args)
	if err != nil {
		return err
	}
	files := flags.args
	if len(files) == 0 {
		return errors.New("transcribe what? usage: voicepay transcribe [--json] FILE...")
	}
	cat, err := cfg.LoadCatalog()
	if err != nil {
		return err
	}
	parser, err := intent.Compile(intent.DefaultTemplates(), cat.Vocabulary())
	if err != nil {
		return err
	}
	var stt transcriber
	switch *backend {
	case "sphinx":
		sp, err := speech.New(parser, 1)
		if err != nil {
			return err
		}
		defer sp.Close()
		stt = sp
	case "openai":
		t := openai.New(*baseURL, os.Getenv("OPENAI_API_KEY"))
		t.Model = *model
		t.Prompt = openai.Vocabulary(parser.Words())
		stt = t
	default:
		return fmt.Errorf("backend %q: use sphinx or openai", *backend)
	}

	progress := len(files) > 1 && term.IsTerminal(int(os.Stderr.Fd()))
	enc := json.NewEncoder(os.Stdout)
	failed := 0
	for i, f := range files {
		if progress {
			fmt.Fprintf(os.Stderr, "\r\033[K[%d/%d] %s", i+1, len(files), filepath.Base(f))
		}
		t := transcribeFile(ctx, stt, parser, f)
		if t.Error != "" {
			failed++
		}
		if *asJSON {
			enc.Encode(t)
			continue
		}
		if progress {
			fmt.Fprint(os.Stderr, "\r\033[K")
		}
		if t.Error != "" {
			fmt.Printf("%s: error: %s\n", t.File, t.Error)
			continue
		}
		fmt.Printf("%s: %q → %s (%.2f)\n", t.File, t.Text, t.Intent, t.Confidence)
	}
	if progress {
		fmt.Fprint(os.Stderr, "\r\033[K")
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files could not be transcribed", failed, len(files))
	}
	return nil
}

func transcribeFile(ctx context.Context, stt transcriber, parser *intent.Parser, path string) transcription {
	t := transcription{File: path, Intent: intent.None}
	f, err := os.Open(path)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	defer f.Close()
	samples, info, err := voice.ReadWAV(f, nil)
	if err != nil {
		t.Error = err.Error()
		return t
	}
	t.AudioSeconds = info.Duration.Seconds()
	start := time.Now()
	text, err := stt.Transcribe(ctx, samples)
	t.DecodeSeconds = time.Since(start).Seconds()
	if err != nil {
		t.Error = err.Error()
		return t
	}
	res := parser.ParseSpeech(text)
	t.Text, t.Intent, t.Slots, t.Confidence = text, res.Intent, res.Slots, res.Confidence
	return t
}
