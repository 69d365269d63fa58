/* SPDX-License-Identifier: MIT */
/*
 * The oracle (oracle.h) over a tracked partition (track.h): its regions
 * are the slots the tracker logs, in the dirty set's index order (the data
 * slot, then the system slot with all_slots), its key is drawn from RDRAND,
 * and a check prints every lost page it names.  Used by dirty-log; migrate
 * can call it at each of its stops the same way.
 *
 *	oracle_track_start   vCPUs held, logging on, the log collected
 *	... run, collect ...
 *	oracle_track_check   vCPUs held, the log collected (harvest, reset)
 */
#ifndef MGMT_ORACLE_TRACK_H
#define MGMT_ORACLE_TRACK_H

#include "oracle.h"
#include "track.h"

struct oracle_track {
	struct oracle o;
	const char *key_source; /* "rdrand" or "rdtsc" (no RDRAND: not secret) */
	/* The first lost pages of the whole run, for first=. */
	struct oracle_miss first[ORACLE_NAMED];
	uint32_t nr_first;
};

/*
 * Fingerprint every page @t logs (its data slot, and its system slot with
 * all_slots).  Only with the vCPUs held, logging on and the log just
 * collected.  False (run failed) if our memory is short.
 */
bool oracle_track_start(struct scenario_run *run, struct oracle_track *ot,
			const struct tracked *t);
/*
 * A check point over t->dirty (the pages reported since the last one):
 * only with the vCPUs held and the log just collected.  Prints a line per
 * lost page it names; returns the pages lost at this check.
 */
uint64_t oracle_track_check(struct oracle_track *ot, const struct tracked *t, uint64_t point);
/* "slot:page,slot:page" of the first lost pages, or "none". */
void oracle_track_first(const struct oracle_track *ot, char *buf, size_t size);

#endif
