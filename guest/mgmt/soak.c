// SPDX-License-Identifier: MIT
/*
 * soak: dirty-log and migrate again and again in one boot, each round
 * with its own seed, dirty-log mode and ring size, and migrate with its
 * own log mode (each mode eagerly, then lazily protected), so that one
 * boot covers many interleavings of writers, harvests and resets.  Every
 * sub-run must pass; lost pages are added up over all of them and must
 * be 0.  A sub-run this machine cannot do (PML
 * on a processor without it) is skipped, said on its own line, and
 * counted in skipped=.
 *
 *	RESULT soak PASS rounds=N runs=N failed=0 skipped=N lost=0 pages_checked=N ...
 */
#include "mgmt.h"

/* What round r uses: modes and ring sizes cycle at different periods. */
static const char *const dl_modes[] = { "ring", "ring-wait", "bitmap", "pml" };
static const unsigned int dl_rings[] = { 256, 512, 1024, 4096, 65536 };
static const char *const mig_modes[] = { "ring", "bitmap", "pml" };
static const unsigned int mig_rings[] = { 1024, 4096, 16384 };

#define N(a) (sizeof(a) / sizeof((a)[0]))

struct soak_totals {
	uint64_t runs, failed, skipped, lost, checked;
	char first_fail[64];
};

static void add(struct soak_totals *t, const struct scenario_run *sub, const char *what)
{
	t->runs++;
	t->lost += sub->lost;
	t->checked += sub->checked;
	if (sub->failed && !t->failed++)
		snprintf(t->first_fail, sizeof(t->first_fail), "%s", what);
	if (sub->skipped && !sub->failed) {
		t->skipped++;
		gprintf("soak: %s skipped: %s\n", what, sub->reason);
	}
}

void scenario_soak(struct scenario_run *run)
{
	struct soak_totals t;
	uint64_t rounds, seed, vcpus, migrate, mem;
	char params[160], what[64];

	memset(&t, 0, sizeof(t));
	if (!param_u64(run, "rounds", 1000, &rounds) || !param_u64(run, "seed", ~0ull >> 1, &seed) ||
	    !param_u64(run, "vcpus", RV_MAX_VCPUS, &vcpus) || !param_u64(run, "migrate", 1, &migrate) ||
	    !param_u64(run, "mem", 64, &mem))
		return;
	if (!vcpus || !mem) {
		result_fail(run, "reason=bad-value vcpus=%lu mem=%lu", vcpus, mem);
		return;
	}
	for (uint64_t r = 0; r < rounds; r++) {
		const char *mode = dl_modes[r % N(dl_modes)];
		unsigned int ring = dl_rings[r % N(dl_rings)];

		/* PML wants room for a whole PML page above the soft limit. */
		if (!strcmp(mode, "pml") && ring < 1024)
			ring = 1024;
		/*
		 * ring-wait must see its ring fill up, which a ring with room for
		 * every page of the slot never does (each page is logged once
		 * until it is reset): give it the smallest ring instead.
		 */
		if (!strcmp(mode, "ring-wait") && ring >= mem << 8)
			ring = dl_rings[0];
		/* Each mode with both protections, eager first (lazy: 1.5). */
		const char *protect = r / N(dl_modes) % 2 ? "lazy" : "eager";
		snprintf(params, sizeof(params),
			 "mode=%s ring=%u vcpus=%lu mem=%lu seed=%lu "
			 "iterations=3 protect=%s",
			 mode, ring, vcpus, mem, seed + r, protect);
		snprintf(what, sizeof(what), "dirty-log:%s:%s:%u:%lu", mode, protect, ring,
			 seed + r);
		add(&t, run_sub_scenario("dirty-log", params), what);
		if (!migrate)
			continue;
		mode = mig_modes[r % N(mig_modes)];
		ring = mig_rings[r % N(mig_rings)];
		/* A short migration: the point is many of them, not long ones. */
		protect = r / N(mig_modes) % 2 ? "lazy" : "eager";
		snprintf(params, sizeof(params),
			 "mode=%s ring=%u vcpus=%lu mem=%lu wws=1 seed=%lu "
			 "max_rounds=3 threshold=512 protect=%s",
			 mode, ring, vcpus, mem, seed + r, protect);
		snprintf(what, sizeof(what), "migrate:%s:%s:%u:%lu", mode, protect, ring, seed + r);
		add(&t, run_sub_scenario("migrate", params), what);
	}
	result_kv(run, "rounds=%lu runs=%lu failed=%lu skipped=%lu lost=%lu pages_checked=%lu",
		  rounds, t.runs, t.failed, t.skipped, t.lost, t.checked);
	if (t.lost)
		result_fail(run, "reason=lost-pages lost=%lu", t.lost);
	if (t.failed)
		result_fail(run, "reason=sub-run-failed failed=%lu first=%s", t.failed, t.first_fail);
}
