// SPDX-License-Identifier: MIT
#include "dirtyring/pml.h"

u16 pml_drain(u64 *page, u16 index, pml_push_fn push, void *ctx, u32 *pushed)
{
	/* Valid entries are index+1 .. 511; all 512 once the index wrapped. */
	int first = index >= PML_ENTRIES ? 0 : index + 1;
	int i;

	*pushed = 0;
	/* The processor fills from 511 downwards: 511 is the oldest. */
	for (i = PML_ENTRIES - 1; i >= first; i--) {
		if (!push(ctx, page[i] & ~0xfffull))
			break;
		(*pushed)++;
	}
	if (i < first)
		return PML_ENTRIES - 1;
	/* Keep entries first..i (not pushed), oldest at the top. */
	int left = i - first + 1;
	for (int k = 0; k < left; k++)
		page[PML_ENTRIES - 1 - k] = page[i - k];
	return (u16)(PML_ENTRIES - 1 - left);
}
