package sphinx

/*
#cgo pkg-config: pocketsphinx sphinxbase
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pocketsphinx.h>
#include <sphinxbase/err.h>
#include <sphinxbase/fsg_model.h>
#include <sphinxbase/logmath.h>
#include <sphinxbase/ckd_alloc.h>

// The library reports problems through one process-wide callback. The last
// warning or error of the calling thread is kept, so that a failed call can
// say why. A goroutine may move to another thread between two cgo calls,
// but a cgo call runs on one thread from start to end: so every call whose
// failure is explained goes through a wrapper below that clears the
// thread's message, makes the call and copies the message out to the
// caller's buffer, all in one cgo call.
static __thread char vp_last_error[512];

static void vp_log(void *user_data, err_lvl_t lvl, const char *fmt, ...) {
	if (lvl < ERR_WARN) {
		return;
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(vp_last_error, sizeof vp_last_error, fmt, ap);
	va_end(ap);
}

static void vp_quiet(void) {
	err_set_logfp(NULL);
	err_set_callback(vp_log, NULL);
}

// vp_begin and vp_end bracket a library call: the message of the call,
// if any, ends up in err (of size n), "" if none.
static void vp_begin(void) { vp_last_error[0] = 0; }
static void vp_end(char *err, size_t n) { snprintf(err, n, "%s", vp_last_error); }

static ps_decoder_t *vp_init(int argc, char **argv, cmd_ln_t **out, char *err, size_t n) {
	vp_begin();
	ps_decoder_t *ps = NULL;
	cmd_ln_t *config = cmd_ln_parse_r(NULL, ps_args(), argc, argv, TRUE);
	*out = config;
	if (config != NULL) {
		ps = ps_init(config);
	}
	vp_end(err, n);
	return ps;
}

static int vp_add_word(ps_decoder_t *ps, const char *word, const char *phones, char *err, size_t n) {
	vp_begin();
	int r = ps_add_word(ps, word, phones, 0);
	vp_end(err, n);
	return r;
}

static int vp_set_fsg(ps_decoder_t *ps, const char *name, fsg_model_t *fsg, char *err, size_t n) {
	vp_begin();
	int r = ps_set_fsg(ps, name, fsg);
	vp_end(err, n);
	return r;
}

static int vp_set_search(ps_decoder_t *ps, const char *name, char *err, size_t n) {
	vp_begin();
	int r = ps_set_search(ps, name);
	vp_end(err, n);
	return r;
}

// vp_start_utt starts an utterance as the first of a stream, so that the
// front end's noise estimate starts over: nothing of the audio decoded
// before, which may be another stream's, carries into it.
static int vp_start_utt(ps_decoder_t *ps, char *err, size_t n) {
	vp_begin();
	int r = ps_start_stream(ps);
	if (r >= 0) {
		r = ps_start_utt(ps);
	}
	vp_end(err, n);
	return r;
}

static int vp_process_raw(ps_decoder_t *ps, const int16 *data, size_t n_samples, int full, char *err, size_t n) {
	vp_begin();
	int r = ps_process_raw(ps, data, n_samples, 0, full);
	vp_end(err, n);
	return r;
}

static int vp_end_utt(ps_decoder_t *ps, char *err, size_t n) {
	vp_begin();
	int r = ps_end_utt(ps);
	vp_end(err, n);
	return r;
}

static fsg_model_t *vp_fsg_new(ps_decoder_t *ps, const char *name, float lw, int n_state, int start, int final) {
	fsg_model_t *fsg = fsg_model_init(name, ps_get_logmath(ps), lw, n_state);
	fsg->start_state = start;
	fsg->final_state = final;
	return fsg;
}

static int32 vp_logp(fsg_model_t *fsg, double p) {
	return (int32)(logmath_log(fsg->lmath, p) * fsg->lw);
}

static void vp_fsg_trans(fsg_model_t *fsg, int from, int to, double p, int wid) {
	if (wid < 0) {
		fsg_model_null_trans_add(fsg, from, to, vp_logp(fsg, p));
	} else {
		fsg_model_trans_add(fsg, from, to, vp_logp(fsg, p), wid);
	}
}

static void vp_fsg_close(fsg_model_t *fsg) {
	glist_free(fsg_model_null_trans_closure(fsg, NULL));
}

// vp_lookup copies the phones of a word into buf, or returns 0 if the
// dictionary does not have it.
static int vp_lookup(ps_decoder_t *ps, const char *word, char *buf, size_t size) {
	char *p = ps_lookup_word(ps, word);
	if (p == NULL) {
		return 0;
	}
	snprintf(buf, size, "%s", p);
	ckd_free(p);
	return 1;
}
*/
import "C"

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unsafe"
)

var quietOnce sync.Once

// cMessage receives the library's complaint during one call, copied out
// by the call's C wrapper.
type cMessage [512]C.char

func (m *cMessage) buf() (*C.char, C.size_t) { return &m[0], C.size_t(len(m)) }

// error is an error for the failed call what, with the library's complaint
// if it made one.
func (m *cMessage) error(what string) error {
	if msg := strings.TrimSpace(C.GoString(&m[0])); msg != "" {
		return fmt.Errorf("%s: %s", what, msg)
	}
	return errors.New(what)
}

// decoder is one pocketsphinx decoder and the C memory it owns. It is not
// safe for concurrent use: Recognizer serializes calls to it.
type decoder struct {
	ps     *C.ps_decoder_t
	config *C.cmd_ln_t
	argv   []*C.char // the configuration refers to these strings; freed on close
}

// newDecoder starts a decoder with pocketsphinx options ("-hmm", dir, …).
func newDecoder(args []string) (*decoder, error) {
	quietOnce.Do(func() { C.vp_quiet() })
	d := &decoder{}
	for _, a := range args {
		d.argv = append(d.argv, C.CString(a))
	}
	argv := C.malloc(C.size_t(len(d.argv)) * C.size_t(unsafe.Sizeof(uintptr(0))))
	defer C.free(argv)
	slots := unsafe.Slice((**C.char)(argv), len(d.argv))
	copy(slots, d.argv)
	var m cMessage
	buf, n := m.buf()
	d.ps = C.vp_init(C.int(len(d.argv)), (**C.char)(argv), &d.config, buf, n)
	if d.ps == nil {
		err := m.error("start pocketsphinx")
		d.close()
		return nil, err
	}
	return d, nil
}

func (d *decoder) close() {
	if d.ps != nil {
		C.ps_free(d.ps)
		d.ps = nil
	}
	if d.config != nil {
		C.cmd_ln_free_r(d.config)
		d.config = nil
	}
	for _, s := range d.argv {
		C.free(unsafe.Pointer(s))
	}
	d.argv = nil
}

// Lookup returns the phones of a word in the decoder's dictionary.
func (d *decoder) Lookup(word string) ([]string, bool) {
	w := C.CString(word)
	defer C.free(unsafe.Pointer(w))
	var buf [512]C.char
	if C.vp_lookup(d.ps, w, &buf[0], C.size_t(len(buf))) == 0 {
		return nil, false
	}
	return strings.Fields(C.GoString(&buf[0])), true
}

// addWord adds a pronunciation to the dictionary; "word(2)" adds a second
// one. It does not touch the searches already built, which do not use the
// word.
func (d *decoder) addWord(word string, phones []string) error {
	w := C.CString(word)
	defer C.free(unsafe.Pointer(w))
	p := C.CString(strings.Join(phones, " "))
	defer C.free(unsafe.Pointer(p))
	var m cMessage
	buf, n := m.buf()
	if C.vp_add_word(d.ps, w, p, buf, n) < 0 {
		return m.error(fmt.Sprintf("add word %q", word))
	}
	return nil
}

// fsg is a state graph being built for the decoder.
type fsg struct{ p *C.fsg_model_t }

// newFSG starts a state graph with n states.
func (d *decoder) newFSG(name string, n, start, final int, lw float64) fsg {
	cn := C.CString(name)
	defer C.free(unsafe.Pointer(cn))
	return fsg{C.vp_fsg_new(d.ps, cn, C.float(lw), C.int(n), C.int(start), C.int(final))}
}

// word returns the id of a word in the graph, adding it.
func (f fsg) word(w string) int {
	cw := C.CString(w)
	defer C.free(unsafe.Pointer(cw))
	return int(C.fsg_model_word_add(f.p, cw))
}

// trans adds a move from one state to another on a word, or on nothing
// when wid is -1, taken with probability p.
func (f fsg) trans(from, to int, p float64, wid int) {
	C.vp_fsg_trans(f.p, C.int(from), C.int(to), C.double(p), C.int(wid))
}

// finish adds the moves that chains of null moves make possible.
func (f fsg) finish() { C.vp_fsg_close(f.p) }

func (f fsg) free() { C.fsg_model_free(f.p) }

// setBeams changes the beams the next searches are built with (searches
// read them when they are made) and returns the old ones.
func (d *decoder) setBeams(b [3]float64) (old [3]float64) {
	cfg := C.ps_get_config(d.ps)
	for i, name := range []string{"-beam", "-pbeam", "-wbeam"} {
		n := C.CString(name)
		old[i] = float64(C.cmd_ln_float_r(cfg, n))
		C.cmd_ln_set_float_r(cfg, n, C.double(b[i]))
		C.free(unsafe.Pointer(n))
	}
	return old
}

// addSearch makes a compiled grammar a named search of the decoder. The
// decoder keeps its own reference; the caller still frees f.
func (d *decoder) addSearch(name string, f fsg) error {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	var m cMessage
	buf, size := m.buf()
	if C.vp_set_fsg(d.ps, n, f.p, buf, size) < 0 {
		return m.error("add grammar search")
	}
	return nil
}

func (d *decoder) useSearch(name string) error {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	var m cMessage
	buf, size := m.buf()
	if C.vp_set_search(d.ps, n, buf, size) < 0 {
		return m.error("switch grammar")
	}
	return nil
}

func (d *decoder) removeSearch(name string) {
	n := C.CString(name)
	defer C.free(unsafe.Pointer(n))
	C.ps_unset_search(d.ps, n)
}

func (d *decoder) startUtt() error {
	var m cMessage
	buf, n := m.buf()
	if C.vp_start_utt(d.ps, buf, n) < 0 {
		return m.error("start utterance")
	}
	return nil
}

// process feeds samples; full says they are the whole utterance, which lets
// the decoder normalize the features over all of it.
func (d *decoder) process(samples []int16, full bool) error {
	if len(samples) == 0 {
		return nil
	}
	f := C.int(0)
	if full {
		f = 1
	}
	var m cMessage
	buf, n := m.buf()
	if C.vp_process_raw(d.ps, (*C.int16)(unsafe.Pointer(&samples[0])), C.size_t(len(samples)), f, buf, n) < 0 {
		return m.error("decode")
	}
	return nil
}

func (d *decoder) endUtt() error {
	var m cMessage
	buf, n := m.buf()
	if C.vp_end_utt(d.ps, buf, n) < 0 {
		return m.error("end utterance")
	}
	return nil
}

func (d *decoder) inSpeech() bool { return C.ps_get_in_speech(d.ps) != 0 }

// hyp is the best hypothesis so far, "" if none.
func (d *decoder) hyp() string {
	h, _ := d.scoredHyp()
	return h
}

// scoredHyp is the best hypothesis so far and its path score (a log
// likelihood in the library's units).
func (d *decoder) scoredHyp() (string, int) {
	var score C.int32
	h := C.ps_get_hyp(d.ps, &score)
	if h == nil {
		return "", 0
	}
	return C.GoString(h), int(score)
}

// segment is a word of the final hypothesis with its frames, first to
// last, and its acoustic score: the log likelihood of its frames, in the
// library's units (see scoreNats).
type segment struct {
	word       string
	start, end int
	ascr       int
}

func (d *decoder) segments() []segment {
	var out []segment
	for it := C.ps_seg_iter(d.ps); it != nil; it = C.ps_seg_next(it) {
		var sf, ef C.int
		var ascr, lscr, lback C.int32
		C.ps_seg_frames(it, &sf, &ef)
		C.ps_seg_prob(it, &ascr, &lscr, &lback)
		out = append(out, segment{word: C.GoString(C.ps_seg_word(it)), start: int(sf), end: int(ef), ascr: int(ascr)})
	}
	return out
}

// natsPerUnit is the natural log of one unit of the library's scores: its
// log base, and scores shifted right by 10 bits (SENSCR_SHIFT).
func (d *decoder) natsPerUnit() float64 {
	return 1024 * math.Log(float64(C.logmath_get_base(C.ps_get_logmath(d.ps))))
}

// frameDuration is the decoder's frame step (-frate 100).
const frameDuration = 10 * time.Millisecond
