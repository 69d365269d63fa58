/* SPDX-License-Identifier: MIT */
/*
 * The management program: runs the scenarios the loader passed in the
 * boot block, each printing exactly one line
 *
 *	RESULT <scenario> PASS|FAIL|SKIP [reason=...] key=value ...
 *
 * which tools/hvrun judges.  SKIP: the scenario (or the mode asked for)
 * needs a processor feature this machine lacks, e.g. PML; hvrun counts it
 * as skipped, not failed.  A scenario never prints that line itself: it
 * records key=values and failures in its struct scenario_run, and
 * run_scenario() prints the line when it returns.
 */
#ifndef MGMT_H
#define MGMT_H

#include "guest.h"
#include "rv_exit_reasons.h" /* generated from hv/vmx/exit_reasons.def */

struct scenario_run;
typedef void scenario_fn(struct scenario_run *run);

/* One line of scenarios.txt (build/scenarios.h holds the table). */
struct scenario_desc {
	const char *name;
	scenario_fn *fn;
	unsigned int nr_keys;
	const char *keys[RV_RUN_MAX_PARAMS];
	const char *defaults[RV_RUN_MAX_PARAMS];
};

struct scenario_run {
	const struct scenario_desc *desc;
	char name[RV_RUN_STR + 1];
	/* values[i] is keys[i]'s: the run's own, or the default. */
	char values[RV_RUN_MAX_PARAMS][RV_RUN_STR + 1];
	bool failed;
	bool skipped;     /* result_skip(): SKIP unless it also failed */
	char reason[128]; /* the first failure (or skip): "reason=... key=value ..." */
	char kv[1024];    /* " key=value" pairs, in the order added; never cut */
	size_t kv_len;
	/* What a soak adds up: set by dirty-log (pages checked, lost) and
	 * migrate (pages compared, mismatched). */
	uint64_t checked, lost;
};

/* Look up, check the parameters of, run, and report one run; true = PASS. */
bool run_scenario(const struct rv_run *cfg);
/*
 * Run scenario @name with @params ("key=value key=value") inside another
 * one: it prints a "  sub-run" line instead of a RESULT line (tools/hvrun
 * wants one RESULT per run it asked for).  The result stays valid until
 * the next sub-run.
 */
const struct scenario_run *run_sub_scenario(const char *name, const char *params);

/*
 * The value of @key as an unsigned number (decimal or 0x hex) no larger
 * than @max.  On a bad value the run fails with reason=bad-value and the
 * result is false.
 */
bool param_u64(struct scenario_run *run, const char *key, uint64_t max, uint64_t *out);

/* The value of @key as given (or its default); "" for a key the scenario lacks. */
const char *param_str(struct scenario_run *run, const char *key);
/* Append " key=value ..." to the RESULT line. */
void result_kv(struct scenario_run *run, const char *fmt, ...) __printf(2, 3);
/*
 * Mark the run failed.  @fmt gives the reason ("reason=timeout ...").  Only
 * the first reason goes on the RESULT line; later ones are printed on
 * their own lines, so they are in the log too.
 */
void result_fail(struct scenario_run *run, const char *fmt, ...) __printf(2, 3);

/*
 * The run cannot be done on this machine: a processor feature it needs is
 * missing (the hypervisor said -RV_EOPNOTSUPP).  @fmt gives the reason
 * ("reason=pml-unsupported ...").  The line reads SKIP unless the run also
 * failed (a failure's reason wins).
 */
void result_skip(struct scenario_run *run, const char *fmt, ...) __printf(2, 3);

/*
 * Negative ABI checks any scenario can run: hypercalls that must fail, and
 * with which errno.  Adds to *ok and *total.
 */
void abi_negative_checks(unsigned int *ok, unsigned int *total);

/* The scenarios (one per line of scenarios.txt). */
void scenario_hello(struct scenario_run *run);
void scenario_dirty_log(struct scenario_run *run);
void scenario_race_demo(struct scenario_run *run);
void scenario_faults(struct scenario_run *run);
void scenario_perf(struct scenario_run *run);
void scenario_migrate(struct scenario_run *run);
void scenario_soak(struct scenario_run *run);
void scenario_isolation(struct scenario_run *run);
void scenario_isolation_state(struct scenario_run *run);
void scenario_fuzz(struct scenario_run *run);
void scenario_events(struct scenario_run *run);
void scenario_reset_bound(struct scenario_run *run);
void scenario_linux(struct scenario_run *run);
void scenario_linux_clone(struct scenario_run *run);

#endif
