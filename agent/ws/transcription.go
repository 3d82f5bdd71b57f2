package ws

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/voicepay/voicepay/voice"
	"github.com/voicepay/voicepay/wallet"
)

// Transcriber turns one utterance, in voicepay's internal audio format, into
// text. The daemon's default speech engine answers the OpenAI-compatible
// transcription endpoint.
type Transcriber interface {
	Transcribe(ctx context.Context, samples []int16) (string, error)
}

// maxAudioUpload bounds an uploaded audio file, as OpenAI's endpoint does.
const maxAudioUpload = 25 << 20

// transcribe answers POST /v1/audio/transcriptions the way OpenAI's API
// does: a multipart form with "file" (a WAV file here) and "model", and a
// "response_format" of json (the default), text or verbose_json. A user
// token is the API key; an agent token is refused here, as everywhere but
// /mcp.
func (s *Server) transcribe(w http.ResponseWriter, r *http.Request) {
	d, err := s.authenticate(r)
	if err == nil && d.Scope != wallet.ScopeUser {
		err = wallet.Errorf(wallet.EUNAUTHORIZED, "This needs a user token; agents may only propose, through /mcp.")
	}
	if err != nil {
		s.writeError(w, err)
		return
	}
	if s.Transcriber == nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": wallet.Errorf(wallet.EUNSUPPORTED,
			"This daemon has no speech engine.")})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxAudioUpload)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "Send a multipart form with a file field of at most 25 MiB: %v.", err))
		return
	}
	defer r.MultipartForm.RemoveAll()
	format := r.FormValue("response_format")
	switch format {
	case "":
		format = "json"
	case "json", "text", "verbose_json":
	default:
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "response_format %q: use json, text or verbose_json.", format))
		return
	}
	f, _, err := r.FormFile("file")
	if err != nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "The form needs a file field with the audio."))
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "Could not read the uploaded file: %v.", err))
		return
	}
	samples, _, err := voice.ReadWAV(bytes.NewReader(data), nil)
	if err != nil {
		s.writeError(w, wallet.Errorf(wallet.EINVALID, "The file is not audio voicepay can read: %v.", err))
		return
	}
	start := time.Now()
	text, err := s.Transcriber.Transcribe(r.Context(), samples)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return
		}
		s.writeError(w, fmt.Errorf("transcribe: %w", err))
		return
	}
	seconds := voice.Duration(len(samples)).Seconds()
	s.Logger.Debug("transcribed", "audio_seconds", seconds, "decode_seconds", time.Since(start).Seconds())
	switch format {
	case "text":
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, text+"\n")
	case "verbose_json":
		writeJSON(w, http.StatusOK, map[string]any{"task": "transcribe", "language": "english", "duration": seconds,
			"text": text, "segments": []any{}})
	default:
		writeJSON(w, http.StatusOK, map[string]string{"text": text})
	}
}
