// SPDX-License-Identifier: MIT
/*
 * The UEFI memory map after ExitBootServices, boiled down to what the
 * hypervisor needs: where it may allocate (FREE), what the loader put in
 * memory (LOADER: images, bootinfo, the AP trampoline page, this map),
 * ACPI tables, MMIO, and everything else as RESERVED.  Boot-services code
 * and data are free once boot services are gone; runtime-services memory
 * is not (the firmware's runtime code still lives there).
 */
#include "memmap.h"
#include "util.h"

uint32_t memmap_type(uint32_t efi_type)
{
	switch (efi_type) {
	case EFI_MT_CONVENTIONAL:
	case EFI_MT_BS_CODE:
	case EFI_MT_BS_DATA:
		return RV_MEM_FREE;
	case EFI_MT_LOADER_CODE:
	case EFI_MT_LOADER_DATA:
		return RV_MEM_LOADER;
	case EFI_MT_ACPI_RECLAIM:
	case EFI_MT_ACPI_NVS:
		return RV_MEM_ACPI;
	case EFI_MT_MMIO:
	case EFI_MT_MMIO_PORT:
		return RV_MEM_MMIO;
	default:
		return RV_MEM_RESERVED;
	}
}

static uint64_t end_of(const struct rv_mem_region *r)
{
	return r->base + r->size;
}

static void remove_at(struct rv_mem_region *out, uint32_t *n, uint32_t i)
{
	for (; i + 1 < *n; i++)
		out[i] = out[i + 1];
	(*n)--;
}

/* Index of the smallest region of type, or -1; *size is its size. */
static int smallest(const struct rv_mem_region *out, uint32_t n,
		    uint32_t type, uint64_t *size)
{
	int best = -1;
	uint32_t i;

	for (i = 0; i < n; i++)
		if (out[i].type == type && (best < 0 || out[i].size < *size)) {
			best = (int)i;
			*size = out[i].size;
		}
	return best;
}

static void count_drop(struct memmap_stats *st, const struct rv_mem_region *r)
{
	st->nr_dropped++;
	if (r->type == RV_MEM_FREE)
		st->dropped_free += r->size;
	else
		st->dropped_other += r->size;
}

/*
 * mem[] is full and r merges with nothing: make room by dropping the
 * smallest region of the most expendable type, which may be r itself.
 * RESERVED goes first: the hypervisor leaves alone whatever is not listed,
 * so nothing is lost.  Then FREE: less memory to allocate from, but still
 * safe.  Returns 1 if r should still be inserted.
 */
static int make_room(struct rv_mem_region *out, uint32_t *n,
		     const struct rv_mem_region *r, struct memmap_stats *st)
{
	static const uint32_t order[] = { RV_MEM_RESERVED, RV_MEM_FREE,
					  RV_MEM_MMIO, RV_MEM_ACPI,
					  RV_MEM_LOADER };
	uint64_t size = 0;
	unsigned int k;
	int i;

	for (k = 0; k < RV_ARRAY_SIZE(order); k++) {
		i = smallest(out, *n, order[k], &size);
		if (r->type == order[k] && (i < 0 || r->size <= size)) {
			count_drop(st, r);
			return 0;
		}
		if (i >= 0) {
			count_drop(st, &out[i]);
			remove_at(out, n, (uint32_t)i);
			return 1;
		}
	}
	/* An unknown type: the map never holds one, but never loop on it. */
	count_drop(st, r);
	return 0;
}

/* Absorb the regions after out[k] that r's growth made it touch. */
static void coalesce(struct rv_mem_region *out, uint32_t *n, uint32_t k)
{
	struct rv_mem_region *p = &out[k];

	while (k + 1 < *n && out[k + 1].type == p->type &&
	       end_of(p) >= out[k + 1].base) {
		if (end_of(&out[k + 1]) > end_of(p))
			p->size = end_of(&out[k + 1]) - p->base;
		remove_at(out, n, k + 1);
	}
}

static void insert(struct rv_mem_region *out, uint32_t *n, uint32_t max,
		   struct rv_mem_region r, struct memmap_stats *st)
{
	uint32_t i, j;

	/* i: the first region starting after r. */
	for (i = 0; i < *n && out[i].base <= r.base; i++)
		;
	if (i > 0 && out[i - 1].type == r.type && end_of(&out[i - 1]) >= r.base) {
		if (end_of(&r) > end_of(&out[i - 1]))
			out[i - 1].size = end_of(&r) - out[i - 1].base;
		coalesce(out, n, i - 1);
		return;
	}
	if (i < *n && out[i].type == r.type && end_of(&r) >= out[i].base) {
		if (end_of(&out[i]) > end_of(&r))
			r.size = end_of(&out[i]) - r.base;
		out[i] = r;
		coalesce(out, n, i);
		return;
	}
	if (*n == max) {
		if (!make_room(out, n, &r, st))
			return;
		for (i = 0; i < *n && out[i].base <= r.base; i++)
			;
	}
	for (j = *n; j > i; j--)
		out[j] = out[j - 1];
	out[i] = r;
	(*n)++;
}

int memmap_convert(const void *map, size_t map_size, size_t desc_size,
		   struct rv_mem_region *out, uint32_t max,
		   struct memmap_stats *stats)
{
	const uint8_t *p = map;
	struct memmap_stats st = { 0 };
	uint32_t n = 0;
	size_t off;

	if (desc_size < sizeof(struct memmap_efi_desc) || !max)
		return -1;
	for (off = 0; off + desc_size <= map_size; off += desc_size) {
		struct memmap_efi_desc d;
		struct rv_mem_region r = { 0 };

		rv_memcpy(&d, p + off, sizeof(d));
		st.nr_descs++;
		/* Zero pages, or so many the byte count would wrap: skip. */
		if (!d.nr_pages || d.nr_pages > (UINT64_MAX - d.phys_start) >> 12)
			continue;
		r.base = d.phys_start;
		r.size = d.nr_pages << 12;
		r.type = memmap_type(d.type);
		insert(out, &n, max, r, &st);
	}
	if (stats)
		*stats = st;
	return (int)n;
}
