package voicetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/voicepay/voicepay/voice/voicetest"
)

const header = "file\tintent\tslots\tcondition\tdomain\ttext\tvoice\tengine\tnoise\tsnr\tstate\n"

func writeManifest(t *testing.T, rows ...string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "manifest.tsv"), []byte(header+strings.Join(rows, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestReadManifest(t *testing.T) {
	dir := writeManifest(t,
		"in05-us140-noisy.wav\torder.modify\t{\"quantity\":3}\tnoisy\tin\tmake it three\tus140\tespeak-ng\tpink\t7\tdrafted\n",
		"out01-slt-clean.wav\tnone\t{}\tclean\tout\twhat's the weather like today\tslt\tflite\tclean\t-\tany\n")
	clips, err := voicetest.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(clips) != 2 {
		t.Fatalf("got %d clips, want 2", len(clips))
	}
	c := clips[0]
	if c.Intent != "order.modify" || string(c.Slots) != `{"quantity":3}` || !c.Noisy || c.OutDomain || c.Noise != "pink" ||
		c.SNR != 7 || c.State != "drafted" || c.Voice != "us140" || c.Engine != "espeak-ng" {
		t.Errorf("got %+v", c)
	}
	if got, want := c.CleanFile(), "in05-us140-clean.wav"; got != want {
		t.Errorf("CleanFile() = %q, want %q", got, want)
	}
	if c := clips[1]; !c.OutDomain || c.Noisy || c.SNR != 0 || c.State != "any" || c.CleanFile() != c.File {
		t.Errorf("got %+v", c)
	}
}

func TestReadManifestRefuses(t *testing.T) {
	for _, tt := range []struct{ name, row string }{
		{"columns", "a.wav\tnone\t{}\tclean\tout\ttext\tv\te\tclean\t-\n"},
		{"slots", "a.wav\tnone\t{\tclean\tout\ttext\tv\te\tclean\t-\tany\n"},
		{"condition", "a.wav\tnone\t{}\tclean\tout\ttext\tv\te\twhite\t10\tany\n"},
		{"snr", "a.wav\tnone\t{}\tnoisy\tout\ttext\tv\te\twhite\tloud\tany\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := voicetest.ReadManifest(writeManifest(t, tt.row)); err == nil {
				t.Errorf("read %q without an error", tt.row)
			}
		})
	}
	dir := t.TempDir()
	old := strings.Replace(header, "\tstate", "", 1)
	if err := os.WriteFile(filepath.Join(dir, "manifest.tsv"), []byte(old), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := voicetest.ReadManifest(dir); err == nil || !strings.Contains(err.Error(), "make fixtures") {
		t.Errorf("an old manifest: got %v, want an error that says to run make fixtures", err)
	}
}
