/* fuzz_target.h: what every libFuzzer target here shares: its entry
 * point's prototype (libFuzzer calls it; -Wmissing-prototypes wants it
 * declared) and CHECK(cond), an invariant the target asserts.  On
 * failure CHECK names the target's file and line and aborts, which
 * libFuzzer reports as a crash and keeps the input for. */
#ifndef VMAP_FUZZ_TARGET_H
#define VMAP_FUZZ_TARGET_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                      \
	do {                                                                             \
		if (!(cond)) {                                                           \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,       \
				__LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                        \
	} while (0)

#endif
