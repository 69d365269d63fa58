/* SPDX-License-Identifier: MIT */
/*
 * A slot's dirty bitmap, a bit per page (bit i of word w: page 64w + i):
 * the log in bitmap mode, the backup bitmap in ring modes (dirty.h).  The
 * pure part, with nothing of VMX or EPT in it, so the host unit tests
 * drive it directly (tests/unit/test_logbm.c), races included.
 *
 * Bits are set by the write-fault path on the vCPUs' CPUs (after the page
 * was made writable) and cleared here on CPU 0 (before the page is armed
 * again), each with one atomic operation on the word: that order is what
 * keeps every page either armed or set (docs/06-dirty-ring.md).
 */
#ifndef RV_LOGBM_H
#define RV_LOGBM_H

#include "lib/types.h"

/* Words of a bitmap of `pages` pages. */
static inline u64 logbm_words(u64 pages)
{
	return (pages + 63) / 64;
}

/* The bits of a bitmap's last word that name pages: pages % 64 of them, or all. */
static inline u64 logbm_tail_mask(u64 pages)
{
	return pages % 64 ? BIT(pages % 64) - 1 : ~0ull;
}

/*
 * Every page's bit set, none past the last page (KVM's
 * KVM_DIRTY_LOG_INITIALLY_SET): lazy protection's "dirty once".  Plain
 * stores: the bitmap is not yet visible to the fault path.
 */
void logbm_fill(u64 *bm, u64 pages);

/* Arm (write-protect, or clear the dirty flag of) word w's pages in mask. */
typedef void (*logbm_arm_fn)(void *ctx, u64 w, u64 mask);

/*
 * For words [w, w + n): clear the bits of in[] that are set in bm, each
 * word with one atomic AND, then arm exactly the pages whose bits this
 * call cleared (a bit that was not set names a page that is armed
 * already, or is being unprotected by a fault that will set it).
 * Returns the number of bits cleared.  The caller invalidates the EPT
 * translations once, after all words, before it reports.
 */
u64 logbm_clear(u64 *bm, u64 w, u64 n, const u64 *in, logbm_arm_fn arm, void *ctx);

#endif
