/* SPDX-License-Identifier: MIT */
/*
 * A memory slot: a guest-physical range backed by contiguous host memory
 * and mapped in its partition's EPT.  The partition owns its slot table
 * (partition/partition.h); dirty tracking reads it to turn an address into
 * (slot, page offset), the form the dirty ring records (abi/hypercall.h).
 */
#ifndef RV_SLOT_H
#define RV_SLOT_H

#include "abi/hypercall.h"
#include "lib/types.h"

struct mem_slot {
	bool used;
	u32 id;
	u64 gpa, size; /* guest-physical range, page aligned */
	u64 hpa;       /* backing host memory, contiguous */
	bool small;    /* RV_SLOT_SMALL_PAGES: 4 KiB EPT leaves only */
};

/* The slot of slots[0..RV_MAX_SLOTS) that holds gpa, or NULL. */
static inline struct mem_slot *slot_find(struct mem_slot *slots, u64 gpa)
{
	for (u32 i = 0; i < RV_MAX_SLOTS; i++) {
		struct mem_slot *s = &slots[i];
		if (s->used && gpa >= s->gpa && gpa - s->gpa < s->size)
			return s;
	}
	return NULL;
}

static inline u64 slot_pages(const struct mem_slot *s)
{
	return s->size >> 12;
}

#endif
