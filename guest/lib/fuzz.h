/* SPDX-License-Identifier: MIT */
/*
 * The hypercall fuzzer shared by the management partition (scenario
 * `fuzz`, guest/mgmt/fuzz.c) and the workload (WORK_TEST_FUZZ): it makes
 * pseudo-random hypercalls from a seed and judges each result against the
 * ABI (hv/abi/hypercall.h, docs/04-hypercalls.md).
 *
 * The caller gives it a scratch buffer at the very end of its RAM, so that
 * a pointer into the scratch plus any length either stays in the scratch
 * or runs off the end of RAM (and must fault).  Every pointer the
 * hypervisor may legitimately write points into that scratch; every other
 * pointer it makes is one that must be refused.
 */
#ifndef GUEST_FUZZ_H
#define GUEST_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include "hypercall.h"
#include "prng.h"

/* Bytes of scratch the caller must give, ending at the end of its RAM. */
#define FZ_SCRATCH_SIZE 0x10000ull
/* Results counted per call number; the last bucket holds numbers >= RV_HC_NR_CALLS. */
#define FZ_NR_BUCKETS (RV_HC_NR_CALLS + 1)
/* Partition ids are 0..FZ_MAX_ID (docs/04-hypercalls.md). */
#define FZ_MAX_ID 7
/* Where the fuzzer's RV_HC_MAP windows go: FZ_WIN(0..FZ_NR_WIN-1), 4 MiB apart. */
#define FZ_WIN(k) (0x60000000ull + (uint64_t)(k) * 0x400000ull)
#define FZ_NR_WIN 4
#define FZ_NO_ID 0xffffffffu

/* Counts, reported by both sides (the workload through its control page). */
struct fz_stats {
	uint64_t calls, rejected, accepted, violations;
	uint32_t acc[FZ_NR_BUCKETS], rej[FZ_NR_BUCKETS];
	char first[120]; /* the first violation, as "kind=... nr=... ret=..." */
};

struct fz_ctx {
	struct prng rng;
	bool mgmt;                 /* the caller is the management partition */
	uint32_t self;             /* the caller's partition id */
	uint32_t avoid;            /* an id never to name (the bystander), or FZ_NO_ID */
	uint64_t avoid_win;        /* a window of the bystander's, for EEXIST (0: none) */
	uint64_t scratch, ram_end; /* the scratch is [scratch, ram_end) */
	bool live[FZ_MAX_ID + 1];  /* partitions the fuzzer created and has not destroyed */
	bool rings[FZ_MAX_ID + 1]; /* ...and those of them whose rings it enabled */
	uint32_t created, destroyed;
	uint32_t script;           /* the next step of the well-formed life cycle */
	struct fz_stats st;
};

/*
 * Set up @c; the caller's RAM ends at @ram_end and its last
 * FZ_SCRATCH_SIZE bytes are ours.  @avoid: an id the fuzzer must never
 * name (FZ_NO_ID for none).
 */
void fz_init(struct fz_ctx *c, uint64_t seed, bool mgmt, uint32_t self, uint32_t avoid,
	     uint64_t ram_end);
/* Make one pseudo-random hypercall and judge its result; false on a violation. */
bool fz_step(struct fz_ctx *c);
/* The per-call table "nr:accepted/rejected ..." (x = numbers beyond the ABI). */
void fz_table(const struct fz_stats *st, char *buf, uint64_t size);

#endif
