/* SPDX-License-Identifier: MIT */
/*
 * A Linux partition seen through its console (RV_HC_CONSOLE_READ): the
 * spec that boots our kernel with its init and writer (docs/12-linux.md),
 * and a watcher that reads what the guest printed, a line at a time, and
 * keeps what the scenarios check: the banner, init's CPU count, the
 * heartbeat counter of PID 1 (which only counts up: a gap or a restart is
 * seen), the writer's rounds and its own errors, and any line a healthy
 * kernel never prints (panic, oops, BUG, soft lockup, WARNING).
 * Used by linux, dirty-log guest=linux and migrate guest=linux.
 */
#ifndef MGMT_LXWATCH_H
#define MGMT_LXWATCH_H

#include "mgmt.h"

#define LX_LINE_MAX 256
#define LX_BANNER_MAX 48

struct lx_watch {
	long id;         /* the partition whose console is read */
	uint64_t offset; /* console stream position read up to */
	uint64_t t0;     /* rdtsc() at the partition's start */
	char line[LX_LINE_MAX];
	uint32_t len;
	char banner[LX_BANNER_MAX];
	uint64_t boot_ticks, heartbeats, rounds, errors, nproc;
	uint64_t hb_first, hb_last; /* heartbeat numbers: first and last seen */
	uint64_t hb_gaps;           /* a number that was not last + 1 */
	bool init_seen, failed;
	bool wild; /* misbehave= asked for a panic: one is expected */
	bool quiet; /* do not fail the run on a bad line (the caller decides) */
	char bad[80]; /* the first bad line, cut */
};

/*
 * Our kernel's spec: vcpus, RAM above 16 MiB, the writer's pages and rate
 * (pages 0: no writer, the guest idles but for its heartbeat), misbehave
 * ("none", "panic", "triple", "devmem").
 */
void lx_spec(struct rv_partition_spec *spec, uint32_t vcpus, uint64_t mem, uint64_t pages,
	     uint64_t rate, const char *misbehave);
/* Start watching partition id (started now, for boot_ticks). */
void lx_watch_init(struct lx_watch *w, long id);
/* Read what the guest printed since the last call; whole lines are parsed. */
void lx_drain(struct scenario_run *run, struct lx_watch *w);
/*
 * Wait (polling events every few ms, draining the console) until the guest
 * has printed `heartbeats` more heartbeats and, with a writer, `rounds`
 * writer rounds; false (run failed) on a timeout, a fault of partition
 * id, or a bad line.
 */
bool lx_wait(struct scenario_run *run, struct lx_watch *w, uint64_t heartbeats, uint64_t rounds,
	     uint64_t timeout_ms);

#endif
