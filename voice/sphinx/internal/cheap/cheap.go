// Package cheap measures the C heap, for the leak tests of voice/sphinx.
// Only tests import it: mallinfo2 needs glibc 2.33 or later, and the
// voicepay binary has no use for it.
package cheap

/*
#include <malloc.h>

// vp_heap_in_use is the C heap in use, over all of malloc's arenas.
static size_t vp_heap_in_use(void) {
	struct mallinfo2 m = mallinfo2();
	return m.uordblks + m.hblkhd;
}
*/
import "C"

// InUse is the number of bytes the C heap has handed out and not had back:
// unlike resident memory, it does not count what malloc keeps for reuse,
// so it shows a leak in a C library and nothing else.
func InUse() int64 { return int64(C.vp_heap_in_use()) }
