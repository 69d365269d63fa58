// SPDX-License-Identifier: MIT
/*
 * migrate's dirty-rate limit (dlimit.h): set it, from the start or when
 * pre-copy stops shrinking, and check what the vCPUs achieved under it.
 */
#include "dlimit.h"
#include "mgmt.h"

_Static_assert(sizeof(((struct mig_limit *)0)->rate) / sizeof(uint64_t) == RV_MAX_VCPUS,
	       "mig_limit.rate: one per vCPU");

bool mig_limit_parse(struct scenario_run *run, struct mig_limit *ml)
{
	const char *s = param_str(run, "dirty_limit");

	*ml = (struct mig_limit){ .mode = MIG_LIMIT_OFF };
	if (!strcmp(s, "off") || !*s)
		return true;
	if (!strcmp(s, "auto")) {
		ml->mode = MIG_LIMIT_AUTO;
		return true;
	}
	if (!param_u64(run, "dirty_limit", RV_DIRTY_LIMIT_MAX, &ml->limit))
		return false;
	if (!ml->limit) {
		result_fail(run, "reason=bad-value dirty_limit=0 (off|auto|1..%llu)",
			    RV_DIRTY_LIMIT_MAX);
		return false;
	}
	ml->mode = MIG_LIMIT_FIXED;
	return true;
}

/* A new rate window for every vCPU: the next sample measures from here. */
static bool sample(struct scenario_run *run, long id, uint32_t vcpus, struct rv_dirty_rate *out)
{
	for (uint32_t v = 0; v < vcpus; v++) {
		long rc = hc_dirty_rate((uint64_t)id, v, &out[v]);
		if (rc) {
			result_fail(run, "reason=dirty-rate vcpu=%u err=%ld", v, rc);
			return false;
		}
	}
	return true;
}

/* The window the achieved rate is measured over begins now. */
static bool window_start(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus)
{
	struct rv_dirty_rate r[RV_MAX_VCPUS];

	if (!sample(run, id, vcpus, r))
		return false;
	for (uint32_t v = 0; v < vcpus; v++)
		ml->held0[v] = r[v].held_ticks;
	return true;
}

static bool set_limit(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus)
{
	long rc = hc_dirty_limit((uint64_t)id, RV_DIRTY_ALL_VCPUS, ml->limit);

	if (rc) {
		result_fail(run, "reason=dirty-limit limit=%lu err=%ld", ml->limit, rc);
		return false;
	}
	return window_start(run, ml, id, vcpus);
}

bool mig_limit_start(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus)
{
	struct rv_dirty_rate r[RV_MAX_VCPUS];

	ml->round_start = rdtsc();
	if (ml->mode == MIG_LIMIT_FIXED)
		return set_limit(run, ml, id, vcpus);
	return sample(run, id, vcpus, r);
}

void mig_limit_copied(struct mig_limit *ml, uint64_t pages, uint64_t copy_ticks)
{
	ml->copy_pages += pages;
	ml->copy_ticks += copy_ticks;
}

bool mig_limit_round(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus,
		     uint64_t round, uint64_t pages, uint64_t copy_ticks, uint64_t threshold)
{
	uint64_t now = rdtsc(), ticks = now - ml->round_start;
	uint64_t prev = ml->prev_pages;

	mig_limit_copied(ml, pages, copy_ticks);
	ml->round_start = now;
	ml->prev_pages = pages;
	if (pages <= threshold)
		ml->converged = true;
	/* auto: round 1 always shrinks from round 0's every page; from round
	 * 2 on, a round that sent as many as the one before has not. */
	/* The achieved rate is measured from the first round the limit ran
	 * through: before, the vCPUs may have had no page left to dirty. */
	if (ml->limit && round == ml->on_round + 1 && ml->mode == MIG_LIMIT_AUTO)
		return window_start(run, ml, id, vcpus);
	if (ml->mode != MIG_LIMIT_AUTO || ml->limit || round < 2 || pages < prev)
		return true;
	struct rv_dirty_rate r[RV_MAX_VCPUS];
	uint64_t fastest = 0;
	if (!sample(run, id, vcpus, r))
		return false;
	for (uint32_t v = 0; v < vcpus; v++)
		fastest = r[v].rate > fastest ? r[v].rate : fastest;
	uint64_t per_page = ml->copy_pages ? ml->copy_ticks / ml->copy_pages : 0;
	uint64_t fixed = ticks > copy_ticks ? ticks - copy_ticks : 0;
	ml->limit = mig_limit_auto(threshold, vcpus, fixed, per_page, ms_ticks(1), fastest,
				   RV_DIRTY_LIMIT_MAX);
	ml->on_round = round;
	gprintf("migrate: round %lu did not shrink (%lu pages): dirty limit %lu pages/s per vCPU "
		"(measured up to %lu; round %lu ticks, %lu of them fixed; copy %lu ticks/page)\n",
		round, pages, ml->limit, fastest, ticks, fixed, per_page);
	return set_limit(run, ml, id, vcpus);
}

void mig_limit_finish(struct scenario_run *run, struct mig_limit *ml, long id, uint32_t vcpus)
{
	struct rv_dirty_rate r[RV_MAX_VCPUS];

	if (!ml->limit || !sample(run, id, vcpus, r))
		return;
	for (uint32_t v = 0; v < vcpus; v++) {
		uint64_t held = r[v].held_ticks - ml->held0[v];
		ml->rate[v] = r[v].rate;
		ml->held_ticks += held;
		gprintf("migrate: vCPU %u: %lu pages/s over %lu ticks against a limit of %lu, "
			"held %lu of them (%lu holds in all), %lu pages logged in all\n", v,
			r[v].rate, r[v].window_ticks, r[v].limit, held, r[v].holds, r[v].pages);
		if (!mig_limit_met(r[v].rate, ml->limit, held, r[v].window_ticks))
			result_fail(run, "reason=dirty-rate-off-limit vcpu=%u rate=%lu limit=%lu", v,
				    r[v].rate, ml->limit);
	}
}

void mig_limit_report(struct scenario_run *run, const struct mig_limit *ml, uint32_t vcpus)
{
	char list[RV_MAX_VCPUS * 21 + 1];
	size_t at = 0;

	list[0] = 0;
	for (uint32_t v = 0; v < vcpus && v < RV_MAX_VCPUS; v++)
		at += (size_t)snprintf(list + at, sizeof(list) - at, "%s%lu", v ? "," : "",
				       ml->rate[v]);
	result_kv(run, "dirty_limit=%s limit=%lu limit_round=%lu dirty_rate=%s held_ticks=%lu "
		  "converged=%d", param_str(run, "dirty_limit"), ml->limit, ml->on_round, list,
		  ml->held_ticks, ml->converged);
}
