// SPDX-License-Identifier: MIT
#include "oracle_track.h"

static bool has_rdrand(void)
{
	uint32_t a, b, c, d;

	asm volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	return c >> 30 & 1; /* CPUID.01H:ECX.RDRAND[bit 30] */
}

static bool rdrand64(uint64_t *v)
{
	/* Intel's guidance: retry a few times, CF=0 means no number yet. */
	for (int i = 0; i < 10; i++) {
		bool ok;
		asm volatile("rdrand %0" : "=r"(*v), "=@ccc"(ok));
		if (ok)
			return true;
	}
	return false;
}

/*
 * NH's key: secret random words.  The guest cannot read our memory, so
 * RDRAND's words are out of its reach.  Without RDRAND the words come from
 * the TSC through splitmix64: still independent of anything a guest
 * writes by accident, but predictable to one that knows when we ran; the
 * RESULT line says which (key=).
 */
static const char *make_key(uint64_t *key)
{
	if (has_rdrand()) {
		uint32_t i;
		for (i = 0; i < ORACLE_KEY_WORDS && rdrand64(&key[i]); i++)
			;
		if (i == ORACLE_KEY_WORDS)
			return "rdrand";
	}
	uint64_t s = rdtsc();
	for (uint32_t i = 0; i < ORACLE_KEY_WORDS; i++) {
		uint64_t z = (s += 0x9e3779b97f4a7c15ull);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		key[i] = z ^ (z >> 31) ^ rdtsc();
	}
	return "rdtsc";
}

bool oracle_track_start(struct scenario_run *run, struct oracle_track *ot,
			const struct tracked *t)
{
	struct oracle_region r[2] = {
	    {.base = t->data, .pages = t->npages, .slot = 1},
	    {.base = t->sys, .pages = TRACK_SYS_PAGES, .slot = 0},
	};
	uint32_t n = t->all_slots ? 2 : 1;
	static uint64_t key[ORACLE_KEY_WORDS]; /* ours alone: copied into ot */
	struct oracle_fp *fp = mgmt_alloc(oracle_fp_bytes(t->npages + (n > 1 ? TRACK_SYS_PAGES : 0)));

	ot->nr_first = 0;
	if (!fp) {
		result_fail(run, "reason=mgmt-memory oracle_pages=%lu", t->total_pages);
		return false;
	}
	ot->key_source = make_key(key);
	if (!oracle_init(&ot->o, r, n, fp, key)) {
		result_fail(run, "reason=oracle-init regions=%u", n);
		return false;
	}
	memset(key, 0, sizeof(key));
	oracle_baseline(&ot->o);
	return true;
}

uint64_t oracle_track_check(struct oracle_track *ot, const struct tracked *t, uint64_t point)
{
	struct oracle *o = &ot->o;
	uint64_t lost = oracle_check(o, t->dirty);

	for (uint32_t i = 0; i < o->named; i++) {
		const struct oracle_miss *m = &o->miss[i];
		gprintf("oracle: LOST: slot %u page %lu (gpa 0x%lx) changed without being "
			"reported since check %lu (0: the baseline): fingerprint %016lx%016lx -> "
			"%016lx%016lx\n",
			m->slot, m->page, (uint64_t)(m->slot ? RV_GPA_DATA : 0) + m->page * 4096, point - 1,
			m->was.hi, m->was.lo, m->now.hi, m->now.lo);
		bool known = false; /* a page left writable is lost at every check */
		for (uint32_t j = 0; j < ot->nr_first; j++)
			known |= ot->first[j].index == m->index;
		if (!known && ot->nr_first < ORACLE_NAMED)
			ot->first[ot->nr_first++] = *m;
	}
	if (lost > o->named)
		gprintf("oracle: ... and %lu more lost pages at check %lu\n", lost - o->named, point);
	return lost;
}

void oracle_track_first(const struct oracle_track *ot, char *buf, size_t size)
{
	size_t used = 0;

	snprintf(buf, size, "none");
	for (uint32_t i = 0; i < ot->nr_first && used < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%u:%lu", i ? "," : "",
					 ot->first[i].slot, ot->first[i].page);
}
