/* SPDX-License-Identifier: MIT */
/*
 * Page-modification log (Vol. 3C, 29.3.6, Page-Modification Logging):
 * with EPT accessed/dirty flags on, each time the processor sets an EPT
 * dirty flag it first writes the guest-physical address into the PML page
 * at the PML index, then decrements the index (511 down to 0).  When the
 * index has left 0..511 the next logging attempt causes a "page-modification
 * log full" VM exit (basic reason 62) instead, and the write does not
 * happen until the index is reset.
 *
 * pml_drain is the pure part: hand the logged addresses, oldest first, to
 * a push function, and say what is left.  No VMX here: host-tested.
 */
#ifndef RV_PML_H
#define RV_PML_H

#include "lib/types.h"

#define PML_ENTRIES 512

/* Push one address; false = no room (the ring is full): stop there. */
typedef bool (*pml_push_fn)(void *ctx, u64 gpa);

/*
 * Drain page (PML_ENTRIES addresses) whose VMCS PML index is `index`
 * (0xffff after the buffer filled).  Addresses the push function refused
 * stay in the page, moved up to the top, oldest first at 511, so the
 * processor keeps logging below them.  Returns the new PML index (511 when
 * everything was pushed) and the number pushed in *pushed.
 */
u16 pml_drain(u64 *page, u16 index, pml_push_fn push, void *ctx, u32 *pushed);

#endif
