// SPDX-License-Identifier: MIT
/*
 * writer: the dirty-log workload (guest/work) as a Linux program, so that
 * a Linux guest dirties its memory the way our own work partition does,
 * and proves afterwards that none of its writes was lost.
 *
 * It maps rv_pages pages and, round after round, writes a record into
 * each page: the page's index, the round and a checksum of the two.  It
 * paces the writes to rv_rate pages a second, and it keeps its own record
 * (outside those pages) of the round it last wrote to each page.  After
 * each round it reads every page back and compares it with that record:
 * a page that does not hold the record it was last given (a write lost,
 * a page restored from an older copy) is an error.
 *
 * Parameters come from the environment; the kernel hands every unknown
 * "key=value" of its command line without a dot to init as an environment
 * variable (init/main.c, unknown_bootoption), and init passes them on:
 *   rv_pages=N    pages to write (default 256)
 *   rv_rate=R     pages written a second (default 1000; 0 = no pacing)
 *   rv_rounds=M   rounds, then exit (default 0 = forever)
 * Output (docs/12-linux.md): "RVLINUX writer: round=R pages=N errors=E"
 * at most once a second (and after any round with an error, and the last
 * one), errors counted since the start; "RVLINUX writer: FAIL ..." for
 * each bad page (the first few of a round).  Exit status 0 when rv_rounds
 * rounds ended with no error, 1 on an error, 2 on bad parameters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define PAGE_SIZE 4096
#define REC_MAGIC 0x3152572d58554e4cull /* "LNUX-WR1", little-endian */
#define NSEC 1000000000ull
/* Sleep in steps of at least 10 ms (one tick at HZ=100), not once a page:
 * each wake-up is a timer interrupt, and those are dear in an emulator. */
#define PACE_QUANTUM_NS 10000000ull
#define FAIL_LINES_PER_ROUND 4

/* At the start of each page. */
struct rec {
	uint64_t magic;
	uint64_t index;
	uint64_t round;
	uint64_t sum;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* splitmix64's finaliser: every bit of index and round moves the sum. */
static uint64_t rec_sum(uint64_t index, uint64_t round)
{
	uint64_t x = REC_MAGIC ^ index ^ (round * 0x9e3779b97f4a7c15ull);

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

/* An unsigned environment parameter; exits with status 2 on junk. */
static uint64_t param(const char *name, uint64_t def)
{
	const char *s = getenv(name);
	char *end;
	uint64_t v;

	if (!s || !*s)
		return def;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || *s == '-') {
		printf("RVLINUX writer: FAIL bad parameter %s=%s\n", name, s);
		exit(2);
	}
	return v;
}

/*
 * Wait until write number k is due: k / rate seconds after t0.  Computed
 * in whole seconds and a remainder, so that k * NSEC cannot overflow.
 */
static void pace(uint64_t t0, uint64_t k, uint64_t rate)
{
	uint64_t due, now;
	struct timespec ts;

	if (!rate)
		return;
	due = k / rate * NSEC + k % rate * NSEC / rate;
	now = now_ns() - t0;
	if (due <= now)
		return;
	due = (due + PACE_QUANTUM_NS - 1) / PACE_QUANTUM_NS * PACE_QUANTUM_NS;
	if (due < now + PACE_QUANTUM_NS)
		due = now + PACE_QUANTUM_NS;
	due += t0;
	ts.tv_sec = (time_t)(due / NSEC);
	ts.tv_nsec = (long)(due % NSEC);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* Compare every page with our record; print the first few bad ones. */
static uint64_t check_round(uint8_t *mem, const uint64_t *last, uint64_t pages, uint64_t round)
{
	uint64_t bad = 0;

	for (uint64_t i = 0; i < pages; i++) {
		const volatile struct rec *r = (const volatile struct rec *)(mem + i * PAGE_SIZE);
		struct rec got = {r->magic, r->index, r->round, r->sum};

		if (got.magic == REC_MAGIC && got.index == i && got.round == last[i] &&
		    got.sum == rec_sum(i, last[i]))
			continue;
		/* What we wanted is round last[i]; show all of what is there. */
		if (bad++ < FAIL_LINES_PER_ROUND)
			printf("RVLINUX writer: FAIL round=%" PRIu64 " page=%" PRIu64
			       " want=%" PRIu64 " got magic=%" PRIx64 " index=%" PRIu64
			       " round=%" PRIu64 " sum=%" PRIx64 "\n",
			       round, i, last[i], got.magic, got.index, got.round, got.sum);
	}
	return bad;
}

int main(void)
{
	uint64_t pages = param("rv_pages", 256);
	uint64_t rate = param("rv_rate", 1000);
	uint64_t rounds = param("rv_rounds", 0);
	uint64_t errors = 0, k = 0, t0, last_print = 0;
	uint64_t *last;
	uint8_t *mem;

	/* The console is shared with init's heartbeat: whole lines only. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!pages || pages > (1ull << 30) / PAGE_SIZE) {
		printf("RVLINUX writer: FAIL bad parameter rv_pages=%" PRIu64 " (1 to 262144)\n",
		       pages);
		return 2;
	}
	/* Our record: anonymous memory of its own, never one of the pages. */
	last = calloc(pages, sizeof(*last));
	mem = mmap(NULL, pages * PAGE_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	if (!last || mem == MAP_FAILED) {
		printf("RVLINUX writer: FAIL cannot allocate %" PRIu64 " pages: %s\n", pages,
		       strerror(errno));
		return 2;
	}
	printf("RVLINUX writer: start pages=%" PRIu64 " rate=%" PRIu64 " rounds=%" PRIu64 "\n",
	       pages, rate, rounds);

	t0 = now_ns();
	for (uint64_t round = 1; !rounds || round <= rounds; round++) {
		uint64_t bad, now;

		for (uint64_t i = 0; i < pages; i++, k++) {
			volatile struct rec *r = (volatile struct rec *)(mem + i * PAGE_SIZE);

			pace(t0, k, rate);
			r->magic = REC_MAGIC;
			r->index = i;
			r->round = round;
			r->sum = rec_sum(i, round);
			last[i] = round;
		}
		bad = check_round(mem, last, pages, round);
		errors += bad;
		now = now_ns();
		if (round == 1 || bad || round == rounds || now - last_print >= NSEC) {
			printf("RVLINUX writer: round=%" PRIu64 " pages=%" PRIu64 " errors=%" PRIu64
			       "\n",
			       round, pages, errors);
			last_print = now;
		}
	}
	printf("RVLINUX writer: done rounds=%" PRIu64 " pages=%" PRIu64 " errors=%" PRIu64 "\n",
	       rounds, pages, errors);
	return errors ? 1 : 0;
}
