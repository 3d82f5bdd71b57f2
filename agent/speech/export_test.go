package speech

// Hold takes a decoder of the pool, as an utterance being decoded does,
// until release is called.
func Hold(r *Recognizer) (release func()) {
	rec := <-r.idle
	return func() { r.idle <- rec }
}
