// SPDX-License-Identifier: MIT
#include "dirtyring/logbm.h"
#include "lib/lib.h"

void logbm_fill(u64 *bm, u64 pages)
{
	u64 words = logbm_words(pages);

	if (!words)
		return;
	/* memset: one REP STOSQ in the hypervisor (lib.c), not a loop of
	 * stores; enable's cost is this fill and should stay flat. */
	memset(bm, 0xff, (words - 1) * 8);
	bm[words - 1] = logbm_tail_mask(pages);
}

u64 logbm_clear(u64 *bm, u64 w, u64 n, const u64 *in, logbm_arm_fn arm, void *ctx)
{
	u64 cleared = 0;

	for (u64 i = 0; i < n; i++) {
		if (!in[i])
			continue;
		/* Clear first, arm after: a write in between finds the page
		 * still writable, and the caller copies it after we return. */
		u64 m = __atomic_fetch_and(&bm[w + i], ~in[i], __ATOMIC_SEQ_CST) & in[i];
		if (m) {
			cleared += popcount64(m);
			arm(ctx, w + i, m);
		}
	}
	return cleared;
}
