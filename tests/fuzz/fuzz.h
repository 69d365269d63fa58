/* SPDX-License-Identifier: MIT */
/*
 * Shared by the libFuzzer targets in tests/fuzz/: a checked assertion that
 * aborts (so libFuzzer saves the input as a crash file) and a reader that
 * decodes the fuzz input into integers, yielding zeros once it runs out.
 */
#ifndef RV_FUZZ_H
#define RV_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Unlike assert(), never compiled out. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__,     \
				#cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline int fuzz_left(const struct fuzz_in *in)
{
	return in->n > 0;
}

/* The next `bytes` bytes (at most 8) as a little-endian number. */
static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static inline uint8_t fuzz_u8(struct fuzz_in *in)
{
	return (uint8_t)fuzz_take(in, 1);
}
static inline uint16_t fuzz_u16(struct fuzz_in *in)
{
	return (uint16_t)fuzz_take(in, 2);
}
static inline uint32_t fuzz_u32(struct fuzz_in *in)
{
	return (uint32_t)fuzz_take(in, 4);
}
static inline uint64_t fuzz_u64(struct fuzz_in *in)
{
	return fuzz_take(in, 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
