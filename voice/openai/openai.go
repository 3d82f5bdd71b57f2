// Package openai is the speech-to-text backend that sends each utterance to
// an OpenAI-compatible POST /v1/audio/transcriptions endpoint: OpenAI itself,
// a whisper.cpp or faster-whisper server, LocalAI, or another voicepay
// daemon. Its transcripts go through the same intent parser as the offline
// recognizer's.
package openai

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	goopenai "github.com/sashabaranov/go-openai"

	"github.com/voicepay/voicepay/voice"
)

// Transcriber sends audio to an OpenAI-compatible transcription endpoint.
// Build it with New and set the exported fields before the first call.
type Transcriber struct {
	Model    string // "whisper-1" by default
	Language string // ISO 639-1; "en" by default
	// Prompt biases recognition toward voicepay's vocabulary: the catalog's
	// merchants and items and the command words.
	Prompt string

	client *goopenai.Client
}

// New returns a transcriber for the endpoint under baseURL, such as
// "https://api.openai.com/v1" or "http://127.0.0.1:8421/v1".
func New(baseURL, apiKey string) *Transcriber {
	cfg := goopenai.DefaultConfig(apiKey)
	cfg.BaseURL = strings.TrimSuffix(baseURL, "/")
	return &Transcriber{Model: goopenai.Whisper1, Language: "en", client: goopenai.NewClientWithConfig(cfg)}
}

// ErrEmpty is returned for an utterance with no samples.
var ErrEmpty = errors.New("no audio to transcribe")

// Transcribe sends one utterance in voicepay's internal format (PCM16 mono,
// 16 kHz) and returns the transcript.
func (t *Transcriber) Transcribe(ctx context.Context, samples []int16) (string, error) {
	if len(samples) == 0 {
		return "", ErrEmpty
	}
	resp, err := t.client.CreateTranscription(ctx, goopenai.AudioRequest{
		Model:    t.Model,
		FilePath: "utterance.wav",
		Reader:   bytes.NewReader(EncodeWAV(samples, voice.SampleRate)),
		Prompt:   t.Prompt,
		Language: t.Language,
		Format:   goopenai.AudioResponseFormatJSON,
	})
	if err != nil {
		return "", fmt.Errorf("transcribe %d samples: %w", len(samples), err)
	}
	return strings.TrimSpace(resp.Text), nil
}

// Vocabulary builds a prompt from the words a transcript should favour.
func Vocabulary(phrases []string) string {
	return "voicepay payment commands. Words: " + strings.Join(phrases, ", ") + "."
}

// EncodeWAV writes samples as a 16-bit PCM mono WAV file.
func EncodeWAV(samples []int16, sampleRate int) []byte {
	data := len(samples) * 2
	b := make([]byte, 44, 44+data)
	copy(b[0:], "RIFF")
	binary.LittleEndian.PutUint32(b[4:], uint32(36+data))
	copy(b[8:], "WAVEfmt ")
	binary.LittleEndian.PutUint32(b[16:], 16) // fmt chunk size
	binary.LittleEndian.PutUint16(b[20:], 1)  // PCM
	binary.LittleEndian.PutUint16(b[22:], 1)  // mono
	binary.LittleEndian.PutUint32(b[24:], uint32(sampleRate))
	binary.LittleEndian.PutUint32(b[28:], uint32(sampleRate*2)) // bytes per second
	binary.LittleEndian.PutUint16(b[32:], 2)                    // block align
	binary.LittleEndian.PutUint16(b[34:], 16)                   // bits per sample
	copy(b[36:], "data")
	binary.LittleEndian.PutUint32(b[40:], uint32(data))
	for _, s := range samples {
		b = binary.LittleEndian.AppendUint16(b, uint16(s))
	}
	return b
}
