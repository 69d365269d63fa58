// SPDX-License-Identifier: MIT
/*
 * The hypercall fuzzer (fuzz.h).  Each call's number is mostly one the
 * ABI knows (or just beyond it), sometimes a wild one; each argument is
 * drawn, according to what the call does with it, from a pool of
 * interesting values: ids that exist, were destroyed or never existed,
 * ring sizes that are not powers of two, sizes that are huge or negative,
 * pointers that are unaligned, overlapping, straddle the end of RAM or
 * point nowhere.  About a third of the calls are well formed, aimed at a
 * partition the fuzzer created, so that create, ring enable, reset,
 * bitmap get, map and destroy also come in odd orders (reset before
 * enable, harvest after destroy, destroy twice).
 *
 * What the fuzzer never does, because the ABI allows it to do harm that
 * is not the hypervisor's fault (each is a rule of the generator below):
 *   - RV_HC_SHUTDOWN with a valid status (0..255) ends the run; the
 *     management partition only asks with invalid ones, which must fail.
 *     (A workload may ask with any: the call is privileged.)
 *   - RV_HC_VCPU_DONE from a workload ends that vCPU: the workload never
 *     makes it (from the management partition it must fail).
 *   - RV_HC_WAIT_EVENT's timeout is at most 100000 ticks: waiting long
 *     is legitimate, and would only slow the storm down.
 *   - A pointer the hypervisor may write (an output) points into the
 *     scratch, or is one that must be refused (outside RAM, straddling
 *     its end, non-canonical...).  Never into our code, stack or data.
 *   - RV_HC_VCPU_SET_STATE gets the faults scenario's bad state (an
 *     unusable CS) or a refused pointer: any other state could fail VM
 *     entry with a Bochs error line that tests/bochs-known-errors.txt
 *     does not forgive, or run our workload image from a random place.
 *   - RV_HC_MAP windows go only to FZ_WIN(k), or to places it must
 *     refuse, so that the pointers we use as refused ones stay unmapped.
 *   - The id `avoid` (the bystander) is never named, not even as
 *     small-number noise in an id argument.
 */
#include "fuzz.h"
#include "console.h"
#include "hc.h"
#include "str.h"
#include "worktests.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Layout of the scratch (offsets from its start). */
#define SC_TEXT 0x0000  /* 8 KiB of printable text for RV_HC_CONSOLE_WRITE */
#define SC_IN 0x2000    /* inputs written before each call (spec, slot, bitmap) */
#define SC_STATE 0x2800 /* a struct rv_vcpu_state for RV_HC_VCPU_SET_STATE */
#define SC_OUT 0x3000   /* outputs: the rest */

/* What a call does with each argument. */
enum fz_arg {
	A_ANY,     /* ignored by the call: anything */
	A_ID,      /* a partition id */
	A_VCPU,    /* a vCPU index */
	A_SLOT,    /* a slot id */
	A_OUT,     /* a pointer the hypervisor writes */
	A_IN,      /* a pointer the hypervisor reads */
	A_TEXT,    /* RV_HC_CONSOLE_WRITE's buffer */
	A_LEN,     /* RV_HC_CONSOLE_WRITE's length */
	A_TIMEOUT, /* RV_HC_WAIT_EVENT's ticks */
	A_STATUS,  /* RV_HC_SHUTDOWN's and RV_HC_VCPU_DONE's status */
	A_ENTRIES, /* ring entries */
	A_RFLAGS,  /* ring_enable flags */
	A_BFLAGS,  /* bitmap_get flags */
	A_OP,      /* trace op */
	A_MAX,     /* trace records */
	A_GPA,     /* a window for RV_HC_MAP */
	A_STATE,   /* RV_HC_VCPU_SET_STATE's input */
	A_RMAX,    /* RV_HC_RING_RESET's bound (1.3) */
	A_PAGE,    /* RV_HC_BITMAP_CLEAR_RANGE's first_page and num_pages (1.5) */
	A_CFLAGS,  /* RV_HC_BITMAP_CLEAR_RANGE's flags (1.5) */
	A_RATE,    /* RV_HC_DIRTY_LIMIT's pages per second (1.7) */
};

/*
 * The most pages a slot of a fuzz run can have: its creates ask for at
 * most 2 MiB of data (gen_spec, gen_wellformed) and its slots are at most
 * 2 MiB (gen_slot); the bystander's bigger slot is never named.  A clear
 * range past it is past every slot the call can find.
 */
#define FZ_SLOT_PAGES_MAX 512

static const uint8_t arg_kinds[RV_HC_NR_CALLS][6] = {
	[RV_HC_CONSOLE_WRITE] = { A_TEXT, A_LEN },
	[RV_HC_VCPU_DONE] = { A_STATUS },
	[RV_HC_WAIT_EVENT] = { A_OUT, A_TIMEOUT },
	[RV_HC_SHUTDOWN] = { A_STATUS },
	[RV_HC_HV_INFO] = { A_OUT },
	[RV_HC_PARTITION_CREATE] = { A_IN },
	[RV_HC_PARTITION_START] = { A_ID },
	[RV_HC_PARTITION_DESTROY] = { A_ID },
	[RV_HC_VCPU_STATS] = { A_ID, A_VCPU, A_OUT },
	[RV_HC_SLOT_SET] = { A_ID, A_IN },
	[RV_HC_RING_ENABLE] = { A_ID, A_ENTRIES, A_RFLAGS, A_OUT },
	[RV_HC_RING_RESET] = { A_ID, A_RMAX },
	[RV_HC_BITMAP_GET] = { A_ID, A_SLOT, A_OUT, A_BFLAGS },
	[RV_HC_BITMAP_CLEAR] = { A_ID, A_SLOT, A_IN },
	[RV_HC_VCPU_PAUSE] = { A_ID, A_VCPU },
	[RV_HC_VCPU_RESUME] = { A_ID, A_VCPU },
	[RV_HC_MAP] = { A_ID, A_SLOT, A_GPA },
	[RV_HC_DIRTY_STATS] = { A_ID, A_OUT },
	[RV_HC_TRACE] = { A_OP, A_OUT, A_MAX },
	[RV_HC_VCPU_GET_STATE] = { A_ID, A_VCPU, A_OUT },
	[RV_HC_VCPU_SET_STATE] = { A_ID, A_VCPU, A_STATE },
	[RV_HC_PARTITION_WATCHDOG] = { A_ID, A_ANY }, /* ticks: any of the pool's numbers */
	[RV_HC_CONSOLE_READ] = { A_ID, A_OUT },       /* in/out struct, garbage or ours */
	[RV_HC_BITMAP_CLEAR_RANGE] = { A_ID, A_SLOT, A_PAGE, A_PAGE, A_IN, A_CFLAGS },
	[RV_HC_PLATFORM_GET_STATE] = { A_ID, A_OUT }, /* 1.6 */
	[RV_HC_PLATFORM_SET_STATE] = { A_ID, A_IN },
	[RV_HC_DIRTY_LIMIT] = { A_ID, A_VCPU, A_RATE },
	[RV_HC_DIRTY_RATE] = { A_ID, A_VCPU, A_OUT },
};

/* Bytes a call reads or writes at its pointer argument; 0: unknown or none. */
static uint64_t ptr_len(uint64_t nr, const uint64_t *a)
{
	switch (nr) {
	case RV_HC_CONSOLE_WRITE:
		return a[1] <= RV_CONSOLE_MAX ? a[1] : 0;
	case RV_HC_WAIT_EVENT:
		return sizeof(struct rv_event);
	case RV_HC_HV_INFO:
		return sizeof(struct rv_hv_info);
	case RV_HC_PARTITION_CREATE:
		return sizeof(struct rv_partition_spec);
	case RV_HC_VCPU_STATS:
		return sizeof(struct rv_vcpu_stats);
	case RV_HC_SLOT_SET:
		return sizeof(struct rv_slot);
	case RV_HC_RING_ENABLE:
		return sizeof(struct rv_ring_info);
	case RV_HC_BITMAP_GET:
	case RV_HC_BITMAP_CLEAR:
		return 8; /* at least one word; the real length depends on the slot */
	case RV_HC_DIRTY_STATS:
		return sizeof(struct rv_dirty_stats);
	case RV_HC_TRACE:
		return a[0] == RV_TRACE_READ && a[2] >= 1 && a[2] <= 32 ?
			       a[2] * sizeof(struct rv_trace_rec) :
			       0;
	case RV_HC_VCPU_GET_STATE:
	case RV_HC_VCPU_SET_STATE:
		return sizeof(struct rv_vcpu_state);
	case RV_HC_CONSOLE_READ:
		return sizeof(struct rv_console_read);
	case RV_HC_PLATFORM_GET_STATE:
	case RV_HC_PLATFORM_SET_STATE:
		return sizeof(struct rv_platform_state);
	case RV_HC_DIRTY_RATE:
		return sizeof(struct rv_dirty_rate);
	case RV_HC_BITMAP_CLEAR_RANGE:
		/* A word per 64 pages of the range (none past any slot: no verdict). */
		return a[3] <= FZ_SLOT_PAGES_MAX ? (a[3] + 63) / 64 * 8 : 0;
	default:
		return 0;
	}
}

/* One call being made: its arguments and what the ABI says must happen. */
struct fz_call {
	uint64_t nr, a[6];
	int ptr;       /* index of the pointer argument, or -1 */
	bool ptr_bad;  /* that pointer must be refused (if the call gets that far) */
	bool bad;      /* the call must fail, with some error */
	long want;     /* if nonzero: the exact (negative) result it must give */
	bool good_out; /* the output pointer lies wholly in the scratch */
};

/* The calls a workload may make (hv/hc_check.c:hc_is_privileged, docs/04-hypercalls.md). */
static bool privileged(uint64_t nr)
{
	return nr != RV_HC_VERSION && nr != RV_HC_CONSOLE_WRITE && nr != RV_HC_VCPU_DONE &&
	       nr != RV_HC_HV_INFO;
}

static uint64_t rnd(struct fz_ctx *c, uint64_t n) { return prng_below(&c->rng, n); }
static bool chance(struct fz_ctx *c, unsigned int pct) { return rnd(c, 100) < pct; }
#define PICK(c, arr) ((arr)[rnd((c), ARRAY_SIZE(arr))])

/* Values that mean something somewhere: for arguments nobody reads, and as noise. */
static const uint64_t any_pool[] = {
	0, 1, 2, 3, 7, 8, 9, 255, 256, 300, 1023, 1024, 4095, 4096, 4097, 65536, 65537,
	1ull << 31, 1ull << 32, (1ull << 32) + 1, 0xffffffffull, 1ull << 47, 1ull << 48,
	1ull << 63, ~0ull, ~0ull - 4095, 0x7fffffffffffffffull, 0xdead0000000ull,
};

static uint64_t any(struct fz_ctx *c)
{
	return chance(c, 10) ? prng_next(&c->rng) : PICK(c, any_pool);
}

/* A partition the fuzzer created and still has, or a fresh id guess. */
static uint64_t live_id(struct fz_ctx *c)
{
	uint32_t n = 0, ids[FZ_MAX_ID + 1];

	for (uint32_t i = 1; i <= FZ_MAX_ID; i++)
		if (c->live[i])
			ids[n++] = i;
	if (n)
		return ids[rnd(c, n)];
	/* None: a guess, which must not be the bystander. */
	uint64_t id = 1 + rnd(c, FZ_MAX_ID);
	return id == c->avoid ? 9999 : id;
}

static uint64_t gen_id(struct fz_ctx *c)
{
	uint64_t id;

	switch (rnd(c, 8)) {
	case 0:
		id = c->self; /* the caller itself (0 for the management partition) */
		break;
	case 1:
		id = 0;
		break;
	case 2: /* beyond the table, or a truncation away from a real id */
		id = PICK(c, ((const uint64_t[]){ 8, 9999, 1ull << 32, (1ull << 32) + c->self,
						   (1ull << 32) + live_id(c), (1ull << 32) + live_id(c),
						   ~0ull, 1ull << 63 }));
		break;
	case 3:
		id = 1 + rnd(c, FZ_MAX_ID); /* exists or not, destroyed or never made */
		break;
	default:
		id = live_id(c);
	}
	/* The bystander is not ours to poke, not even by chance. */
	if (c->avoid != FZ_NO_ID && (id & 0xffffffff) == c->avoid)
		id = 9999;
	return id;
}

/* A pointer: into the scratch (good), at its edge, or one that must be refused. */
static uint64_t gen_ptr(struct fz_ctx *c, uint64_t area, uint64_t area_size, bool *bad)
{
	static const uint64_t edges[] = { 1, 7, 8, 40, 100, 4095, 4096 };
	uint64_t p;

	*bad = false;
	switch (rnd(c, 10)) {
	case 0:
	case 1:
	case 2: /* aligned inside the area */
		return c->scratch + area + (rnd(c, area_size / 2) & ~7ull);
	case 3: /* unaligned inside the area */
		return c->scratch + area + rnd(c, area_size / 2) + 1;
	case 4: /* overlapping another output, anywhere in the scratch */
		return c->scratch + SC_OUT + rnd(c, 64);
	case 5: /* close to the end of RAM: fine or straddling, depending on the length */
		return c->ram_end - PICK(c, edges);
	default:
		break;
	}
	*bad = true;
	p = PICK(c, ((const uint64_t[]){
			    c->ram_end,          /* just past the end of RAM */
			    c->ram_end + 0x1000,
			    RV_SYS_SLOT_SIZE,    /* the hole between slot 0 and the data slot */
			    0x2000000,           /* where the hypervisor's image is, host-physically */
			    RV_GPA_RINGS + ((uint64_t)(FZ_MAX_ID * RV_MAX_VCPUS + 6) << 20),
			    0x70000000,          /* window space nothing is mapped at */
			    0xf0000000, RV_GPA_WINDOWS_END - 8, 1ull << 32, (1ull << 47) - 8,
			    (1ull << 48) - 8,      /* straddles the 2^48 limit */
			    0x0000800000000000ull, /* non-canonical */
			    1ull << 63, ~0ull - 7,  /* wraps */
			    0xdead0000000ull }));
	return p;
}

static void gen_spec(struct fz_ctx *c, struct rv_partition_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->image = chance(c, 80) ? RV_IMAGE_WORK_ABI
				 : PICK(c, ((const uint32_t[]){ 0, 2, 99, 0xffffffff }));
	s->nr_vcpus = chance(c, 80) ? 1 : PICK(c, ((const uint32_t[]){ 0, 2, 8, 9, 0xffffffff }));
	s->data_mib = chance(c, 80) ? rnd(c, 3)
				    : PICK(c, ((const uint64_t[]){ 513, 1025, 1ull << 32, ~0ull }));
	/* What the workload does if started: say hello, misbehave, write, or no test at all. */
	s->args[0] = PICK(c, ((const uint64_t[]){ WORK_TEST_HELLO, WORK_TEST_HELLO, WORK_TEST_FAULT,
						  WORK_TEST_DIRTY, 77 }));
	s->args[1] = rnd(c, WORK_FAULT_BAD_STATE); /* a fault kind, or a seed */
	/* A command line: only a Linux image takes one, printable and ended. */
	if (chance(c, 10)) {
		const char *t = PICK(c, ((const char *const[]){ "console=ttyS0", "a\tb", "\x7f" }));
		memcpy(s->cmdline, t, strlen(t));
		if (chance(c, 10))
			memset(s->cmdline, 'x', sizeof(s->cmdline)); /* no NUL at all */
	}
}

static void gen_slot(struct fz_ctx *c, struct rv_slot *s)
{
	s->id = chance(c, 70) ? rnd(c, 3) : PICK(c, ((const uint32_t[]){ 7, 8, 0xffffffff }));
	s->flags = chance(c, 80) ? rnd(c, 2) : PICK(c, ((const uint32_t[]){ 2, 3, 0xffffffff }));
	s->gpa = PICK(c, ((const uint64_t[]){ RV_GPA_DATA, RV_GPA_DATA, 0x2000000, 0x2100000, 0,
					      RV_GPA_DATA + 1, RV_GPA_DATA_END - 0x1000,
					      RV_GPA_DATA_END, 1ull << 40, ~0ull - 4095 }));
	s->size = PICK(c, ((const uint64_t[]){ 0, 0x1000, 0x100000, 0x100000, 0x200000, 4095,
					       (512ull << 20) + 0x1000, 1ull << 40, ~0ull - 4095 }));
}

/* The faults scenario's state: VM entry refuses it for its unusable CS. */
static void fill_bad_state(struct rv_vcpu_state *st)
{
	hc_start_state(st);
	st->seg[RV_SEG_CS].ar = 1u << 16; /* unusable */
}

void fz_init(struct fz_ctx *c, uint64_t seed, bool mgmt, uint32_t self, uint32_t avoid,
	     uint64_t ram_end)
{
	char *text;

	memset(c, 0, sizeof(*c));
	prng_seed(&c->rng, seed);
	c->mgmt = mgmt;
	c->self = self;
	c->avoid = avoid;
	c->ram_end = ram_end;
	c->scratch = ram_end - FZ_SCRATCH_SIZE;
	memset((void *)c->scratch, 0, FZ_SCRATCH_SIZE);
	/* Lines a console write may print whole or in part: no binary on the serial port. */
	text = (char *)(c->scratch + SC_TEXT);
	for (uint64_t i = 0; i < SC_IN - SC_TEXT; i++)
		text[i] = i % 64 == 63 ? '\n' : "fuzz console bytes "[i % 64 % 19];
	fill_bad_state((struct rv_vcpu_state *)(c->scratch + SC_STATE));
}

/* A valid ring size is a power of two in [RV_RING_MIN_ENTRIES, RV_RING_MAX_ENTRIES]. */
static bool ring_size_ok(uint64_t n)
{
	return n >= RV_RING_MIN_ENTRIES && n <= RV_RING_MAX_ENTRIES && !(n & (n - 1));
}

static bool id_exists(const struct fz_ctx *c, uint64_t id)
{
	if (id > FZ_MAX_ID)
		return false;
	return id == 0 || c->live[id] || id == c->avoid || (!c->mgmt && id == c->self);
}

/* Arguments for one kind; sets c->ptr* for pointers. */
static uint64_t gen_arg(struct fz_ctx *c, struct fz_call *k, int i, enum fz_arg kind)
{
	bool bad = false;
	uint64_t v;

	switch (kind) {
	case A_ID:
		return gen_id(c);
	case A_VCPU:
		return chance(c, 70) ? 0 : PICK(c, ((const uint64_t[]){ 1, 7, 8, 1ull << 32, ~0ull }));
	case A_SLOT:
		return chance(c, 70) ? rnd(c, 3)
				     : PICK(c, ((const uint64_t[]){ 7, 8, 0xffff, 0x10001,
								   (1ull << 32) + 1, ~0ull }));
	case A_OUT:
		v = gen_ptr(c, SC_OUT, FZ_SCRATCH_SIZE - SC_OUT, &bad);
		break;
	case A_IN:
		/* Reading our code is allowed: it is RAM, just not a sensible spec. */
		if (chance(c, 5))
			return k->ptr = i, RV_GPA_IMAGE;
		v = gen_ptr(c, SC_IN, SC_STATE - SC_IN, &bad);
		break;
	case A_TEXT:
		if (chance(c, 80))
			return k->ptr = i, c->scratch + SC_TEXT + rnd(c, 64);
		v = gen_ptr(c, SC_TEXT, 64, &bad);
		if (!bad) /* the edge of RAM holds binary outputs: not for the console */
			v = c->scratch + SC_TEXT;
		break;
	case A_STATE:
		if (chance(c, 70))
			return k->ptr = i, c->scratch + SC_STATE;
		v = gen_ptr(c, SC_STATE, 0, &bad);
		if (!bad)
			v = c->ram_end - 8; /* straddles: must be refused */
		break;
	case A_LEN:
		/* Mostly short: every byte accepted goes out on the serial port. */
		if (chance(c, 3))
			return RV_CONSOLE_MAX;
		return PICK(c, ((const uint64_t[]){ 0, 1, 16, 40, 63, 4097, 1ull << 20, ~0ull,
						    1ull << 63 }));
	case A_TIMEOUT:
		return PICK(c, ((const uint64_t[]){ 0, 0, 1, 1000, 100000 }));
	case A_STATUS:
		if (!c->mgmt)
			return any(c);
		return PICK(c, ((const uint64_t[]){ 256, 1000, 1ull << 32, ~0ull, 1ull << 63 }));
	case A_ENTRIES:
		return PICK(c, ((const uint64_t[]){ 0, 1, 255, 256, 300, 1024, 4096, 65536, 65537,
						    1ull << 32, (1ull << 32) + 256, ~0ull }));
	case A_RFLAGS:
		return chance(c, 60) ? 0 : PICK(c, ((const uint64_t[]){ 1, 2, 3, 4, ~0ull }));
	case A_BFLAGS:
		/* 2 and 3 (RV_BITMAP_BACKUP) are valid in ring mode since 1.3. */
		return chance(c, 60) ? rnd(c, 4)
				     : PICK(c, ((const uint64_t[]){ 4, 5, 7, 1ull << 32, ~0ull }));
	case A_OP:
		return PICK(c, ((const uint64_t[]){ 0, 0, 0, 1, 2, 3, ~0ull }));
	case A_MAX:
		return PICK(c, ((const uint64_t[]){ 0, 1, 2, 32, 33, ~0ull }));
	case A_RMAX:
		return PICK(c, ((const uint64_t[]){ 0, 0, 1, 64, RV_RING_RESET_MAX,
						    RV_RING_RESET_MAX + 1, 1ull << 32, ~0ull }));
	case A_PAGE:
		/* Whole words in and past a small slot, a page off one, the
		 * largest slot's end, and numbers that wrap. */
		return PICK(c, ((const uint64_t[]){ 0, 0, 64, 192, 256, 512, 1, 63, 65, 257,
						    FZ_SLOT_PAGES_MAX + 64, 1ull << 20,
						    ~0ull & ~63ull, ~0ull }));
	case A_RATE:
		return chance(c, 60) ? PICK(c, ((const uint64_t[]){ 0, 1, 5000, RV_DIRTY_LIMIT_MAX }))
				     : PICK(c, ((const uint64_t[]){ RV_DIRTY_LIMIT_MAX + 1, 1ull << 32,
								   ~0ull }));
	case A_CFLAGS:
		return chance(c, 60) ? PICK(c, ((const uint64_t[]){ 0, RV_BITMAP_BACKUP }))
				     : PICK(c, ((const uint64_t[]){ RV_BITMAP_CLEAR, 3, 4, ~0ull }));
	case A_GPA:
		return chance(c, 60) ? FZ_WIN(rnd(c, FZ_NR_WIN))
				     : PICK(c, ((const uint64_t[]){
						       FZ_WIN(0) + 1, FZ_WIN(0) + 0x1000,
						       RV_GPA_WINDOWS - 0x1000, RV_GPA_WINDOWS_END,
						       c->avoid_win ? c->avoid_win : FZ_WIN(0),
						       1ull << 48, ~0ull - 4095 }));
	default:
		return any(c);
	}
	k->ptr = i;
	k->ptr_bad = bad;
	return v;
}

/* Well-formed arguments for call @nr on a partition we made (odd orders come for free). */
static void gen_wellformed(struct fz_ctx *c, struct fz_call *k, bool script)
{
	uint64_t *a = k->a, out = c->scratch + SC_OUT + (rnd(c, 256) << 3);

	a[0] = live_id(c);
	switch (k->nr) {
	case RV_HC_PARTITION_CREATE: {
		struct rv_partition_spec *spec = (void *)(c->scratch + SC_IN);
		spec->image = RV_IMAGE_WORK_ABI;
		spec->nr_vcpus = 1;
		spec->data_mib = 1; /* so that the well-formed slot 1 below matches it */
		a[0] = c->scratch + SC_IN;
		k->ptr = 0;
		break;
	}
	case RV_HC_WAIT_EVENT:
		a[0] = out;
		a[1] = 0;
		k->ptr = 0;
		break;
	case RV_HC_HV_INFO:
		a[0] = out;
		k->ptr = 0;
		break;
	case RV_HC_VCPU_STATS:
	case RV_HC_VCPU_GET_STATE:
		a[1] = 0;
		a[2] = out;
		k->ptr = 2;
		break;
	case RV_HC_SLOT_SET: {
		/* Logging of the data slot on or off, or a second slot made or deleted. */
		struct rv_slot *sl = (void *)(c->scratch + SC_IN);
		bool second = !script && chance(c, 40);
		*sl = (struct rv_slot){ .id = second ? 2 : 1,
					.flags = script || chance(c, 70) ? RV_SLOT_LOG_DIRTY : 0,
					.gpa = second ? 0x2000000 : RV_GPA_DATA,
					.size = 1ull << 20 };
		if (second && chance(c, 40))
			sl->size = 0;
		/* 1.5: logging on lazily.  Now and then slot 0: 1.6 logs it
		 * (lazily too), and deleting it is refused. */
		if (sl->flags && chance(c, 40))
			sl->flags |= RV_SLOT_LOG_LAZY;
		/* 1.7: small pages (split, or put back), lazy splitting;
		 * now and then lazy splitting without logging: refused. */
		if (chance(c, 20))
			sl->flags |= RV_SLOT_SMALL_PAGES;
		if (chance(c, 20))
			sl->flags |= RV_SLOT_SPLIT_EAGER;
		if (!script && chance(c, 8))
			*sl = (struct rv_slot){ .id = 0, .flags = RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY,
						.gpa = 0,
						.size = chance(c, 50) ? RV_SYS_SLOT_SIZE : 0 };
		a[1] = c->scratch + SC_IN;
		k->ptr = 1;
		break;
	}
	case RV_HC_RING_ENABLE:
		/*
		 * One in four is right in every way but the size, which is in
		 * range but not a power of two: only the size check can refuse
		 * it (random arguments rarely get that far).
		 */
		if (chance(c, 25))
			a[1] = PICK(c, ((const uint64_t[]){ 257, 300, 1000, 1023, 1536, 4095, 65535 }));
		else
			a[1] = PICK(c, ((const uint64_t[]){ 256, 1024, 65536 }));
		a[2] = a[1] >= 1024 && chance(c, 25) ? RV_RING_PML : 0;
		a[3] = out;
		k->ptr = 3;
		break;
	case RV_HC_BITMAP_GET:
		a[1] = 1;
		a[2] = out;
		/* RV_BITMAP_CLEAR, RV_BITMAP_BACKUP, both, neither; or, one in
		 * eight, an unknown flag: only the flags check can refuse it
		 * (random arguments rarely get past the id and slot). */
		a[3] = chance(c, 12) ? PICK(c, ((const uint64_t[]){ 4, 5, 6, 7, 1ull << 63 }))
				     : rnd(c, 4);
		k->ptr = 2;
		break;
	case RV_HC_BITMAP_CLEAR:
		a[1] = 1;
		a[2] = c->scratch + SC_IN;
		k->ptr = 2;
		break;
	case RV_HC_BITMAP_CLEAR_RANGE: {
		/*
		 * The 1 MiB data slot (256 pages): whole ranges, or a range
		 * wrong in one way only (misaligned start, a length neither
		 * whole words nor up to the end, past the end), so only that
		 * check can refuse it.  The flag the partition's mode wants
		 * (RV_BITMAP_BACKUP with rings), or the other or an unknown one.
		 */
		static const uint64_t ranges[][2] = {
			{ 0, 256 }, { 0, 64 }, { 64, 192 }, { 192, 64 }, { 256, 0 }, { 128, 128 },
			{ 1, 64 }, { 63, 128 }, { 0, 65 }, { 192, 128 }, { 320, 0 },
		};
		uint32_t r = rnd(c, ARRAY_SIZE(ranges));
		a[1] = 1;
		a[2] = ranges[r][0];
		a[3] = ranges[r][1];
		a[4] = c->scratch + SC_IN;
		a[5] = chance(c, 85) ? (a[0] <= FZ_MAX_ID && c->rings[a[0]] ? RV_BITMAP_BACKUP : 0)
				     : PICK(c, ((const uint64_t[]){ RV_BITMAP_BACKUP, 0, RV_BITMAP_CLEAR,
								  4, 1ull << 63 }));
		k->ptr = 4;
		break;
	}
	case RV_HC_VCPU_PAUSE:
	case RV_HC_VCPU_RESUME:
		a[1] = 0;
		break;
	case RV_HC_DIRTY_LIMIT:
		/* vCPU 0 or all; a modest rate, none, or one too many. */
		a[1] = chance(c, 50) ? 0 : RV_DIRTY_ALL_VCPUS;
		a[2] = PICK(c, ((const uint64_t[]){ 0, 1, 1000, 100000, RV_DIRTY_LIMIT_MAX,
						    RV_DIRTY_LIMIT_MAX + 1 }));
		break;
	case RV_HC_DIRTY_RATE:
		a[1] = 0;
		a[2] = out;
		k->ptr = 2;
		break;
	case RV_HC_MAP:
		a[1] = rnd(c, 2);
		a[2] = FZ_WIN(rnd(c, FZ_NR_WIN));
		break;
	case RV_HC_DIRTY_STATS:
		a[1] = out;
		k->ptr = 1;
		break;
	case RV_HC_VCPU_SET_STATE: {
		/* 1.6: now and then with a platform part, which a vCPU of
		 * ours (no Linux) must refuse; else with none. */
		struct rv_vcpu_state *st = (void *)(c->scratch + SC_STATE);
		memset(&st->plat, 0, sizeof(st->plat));
		if (chance(c, 25))
			st->plat.flags = RV_VCPU_PLAT;
		a[1] = 0;
		a[2] = c->scratch + SC_STATE;
		k->ptr = 2;
		break;
	}
	case RV_HC_TRACE:
		a[0] = RV_TRACE_READ;
		a[1] = out;
		a[2] = 1 + rnd(c, 32);
		k->ptr = 1;
		break;
	case RV_HC_RING_RESET:
		/* The default bound, the smallest, or one of a few batches. */
		a[1] = chance(c, 60) ? 0 : PICK(c, ((const uint64_t[]){ 1, 63, 64, RV_RING_RESET_MAX }));
		break;
	default: /* start, destroy: the id is all */
		break;
	}
}

/* Call numbers the well-formed mix draws from, weighted towards the life cycle. */
static const uint64_t wellformed_nrs[] = {
	RV_HC_PARTITION_CREATE, RV_HC_PARTITION_CREATE, RV_HC_PARTITION_START,
	RV_HC_PARTITION_DESTROY, RV_HC_SLOT_SET,       RV_HC_RING_ENABLE,
	RV_HC_RING_RESET,        RV_HC_RING_RESET,     RV_HC_BITMAP_GET,
	RV_HC_BITMAP_CLEAR,      RV_HC_VCPU_PAUSE,     RV_HC_VCPU_RESUME,
	RV_HC_BITMAP_CLEAR_RANGE,
	RV_HC_MAP,               RV_HC_DIRTY_STATS,    RV_HC_VCPU_STATS,
	RV_HC_VCPU_GET_STATE,    RV_HC_VCPU_SET_STATE, RV_HC_HV_INFO,
	RV_HC_WAIT_EVENT,        RV_HC_TRACE, RV_HC_CONSOLE_READ,
	RV_HC_PLATFORM_GET_STATE, RV_HC_PLATFORM_SET_STATE,
	RV_HC_DIRTY_LIMIT,       RV_HC_DIRTY_RATE,
};

/*
 * A partition's life in order, which the well-formed mix follows half of
 * the time, so that the calls that need a history (a bitmap needs
 * logging without rings, its backup bitmap logging with rings, a vCPU's
 * state needs a vCPU that ran and is held) get it.  The other half comes
 * in any order.
 */
static const uint64_t script_nrs[] = {
	/* bitmap mode */
	RV_HC_PARTITION_CREATE, RV_HC_SLOT_SET,	  RV_HC_PARTITION_START, RV_HC_BITMAP_GET,
	RV_HC_BITMAP_CLEAR,	RV_HC_BITMAP_CLEAR_RANGE, RV_HC_VCPU_PAUSE, RV_HC_VCPU_GET_STATE,
	RV_HC_VCPU_RESUME,
	RV_HC_BITMAP_GET,	RV_HC_MAP,	  RV_HC_DIRTY_STATS,	 RV_HC_PARTITION_DESTROY,
	/* ring mode */
	RV_HC_PARTITION_CREATE, RV_HC_RING_ENABLE, RV_HC_SLOT_SET,	 RV_HC_PARTITION_START,
	RV_HC_RING_RESET,	RV_HC_DIRTY_LIMIT, RV_HC_VCPU_PAUSE,  RV_HC_VCPU_GET_STATE,
	RV_HC_RING_RESET,	RV_HC_DIRTY_RATE,
	RV_HC_BITMAP_GET,	RV_HC_BITMAP_CLEAR_RANGE, RV_HC_VCPU_RESUME, RV_HC_RING_RESET,
	RV_HC_DIRTY_STATS,
	RV_HC_PARTITION_DESTROY,
};

static void gen_call(struct fz_ctx *c, struct fz_call *k)
{
	uint32_t pick = rnd(c, 100);
	bool script = pick >= 5 && pick < 45 && chance(c, 50);

	memset(k, 0, sizeof(*k));
	k->ptr = -1;
	if (pick < 5)
		k->nr = PICK(c, ((const uint64_t[]){ 255, 1000, 1ull << 32, 1ull << 63, ~0ull }));
	else if (script)
		k->nr = script_nrs[c->script++ % ARRAY_SIZE(script_nrs)];
	else if (pick < 45)
		k->nr = PICK(c, wellformed_nrs);
	else
		k->nr = rnd(c, RV_HC_NR_CALLS + 2);
	/* The workload never says it is done: that would end its storm (see the top). */
	if (!c->mgmt && k->nr == RV_HC_VCPU_DONE)
		k->nr = RV_HC_VERSION;

	/* Inputs the call may read: fresh each time. */
	if (k->nr == RV_HC_PARTITION_CREATE)
		gen_spec(c, (struct rv_partition_spec *)(c->scratch + SC_IN));
	else if (k->nr == RV_HC_SLOT_SET)
		gen_slot(c, (struct rv_slot *)(c->scratch + SC_IN));
	else
		for (int w = 0; w < 64; w++)
			((uint64_t *)(c->scratch + SC_IN))[w] = chance(c, 50) ? prng_next(&c->rng) : 0;

	if (pick >= 5 && pick < 45) {
		gen_wellformed(c, k, script);
		return;
	}
	for (int i = 0; i < 6; i++) {
		enum fz_arg kind = k->nr < RV_HC_NR_CALLS ? arg_kinds[k->nr][i] : A_ANY;
		k->a[i] = gen_arg(c, k, i, kind);
		/* Now and then, noise in a plain number: but never an id of the bystander. */
		if ((kind == A_VCPU || kind == A_SLOT || kind == A_ENTRIES || kind == A_MAX ||
		     kind == A_RMAX || kind == A_PAGE) &&
		    chance(c, 10))
			k->a[i] = any(c);
		if (kind == A_ID && c->avoid != FZ_NO_ID && (k->a[i] & 0xffffffff) == c->avoid)
			k->a[i] = 9999;
	}
}

/* Is the pointer argument (if any) one the call must refuse, given its length? */
static bool ptr_refused(const struct fz_ctx *c, const struct fz_call *k)
{
	uint64_t len, p;

	if (k->ptr < 0)
		return false;
	len = ptr_len(k->nr, k->a);
	if (len == 0)
		return false; /* nothing accessed (or unknown): no verdict */
	p = k->a[k->ptr];
	if (k->ptr_bad)
		return true;
	if (p >= c->scratch && p < c->ram_end)
		return len > c->ram_end - p; /* runs off the end of RAM */
	return false;
}

/* What the ABI says about this call before it is made: k->bad and k->want. */
static void contract(const struct fz_ctx *c, struct fz_call *k)
{
	const uint64_t *a = k->a;
	bool takes_id = k->nr < RV_HC_NR_CALLS && arg_kinds[k->nr][0] == A_ID;

	if (k->nr >= RV_HC_NR_CALLS) {
		k->want = -RV_ENOSYS;
		return;
	}
	if (!c->mgmt && privileged(k->nr)) {
		k->want = -RV_EPERM;
		return;
	}
	switch (k->nr) {
	case RV_HC_VERSION:
		return;
	case RV_HC_VCPU_DONE: /* only the management partition gets here */
		k->want = -RV_EINVAL;
		return;
	case RV_HC_SHUTDOWN: /* only invalid statuses are ever asked for */
		k->want = -RV_EINVAL;
		return;
	case RV_HC_CONSOLE_WRITE:
		if (a[1] > RV_CONSOLE_MAX) {
			k->want = -RV_EINVAL;
			return;
		}
		break;
	case RV_HC_TRACE:
		if (a[0] > RV_TRACE_DISABLE || (a[0] == RV_TRACE_READ && (a[2] == 0 || a[2] > 32))) {
			k->want = -RV_EINVAL;
			return;
		}
		break;
	default:
		break;
	}
	if (takes_id) {
		/* The id is the first thing every such call checks. */
		bool workload_only = k->nr != RV_HC_PARTITION_START &&
				     k->nr != RV_HC_PARTITION_DESTROY && k->nr != RV_HC_VCPU_STATS;
		/* 1.7: limiting the management partition is refused as such. */
		if (a[0] == 0 && k->nr == RV_HC_DIRTY_LIMIT) {
			k->want = -RV_EPERM;
			return;
		}
		if (!id_exists(c, a[0]) || (workload_only && a[0] == 0)) {
			k->want = -RV_ENOENT;
			return;
		}
		if (a[0] == 0 && k->nr == RV_HC_PARTITION_DESTROY) {
			k->want = -RV_EPERM; /* nobody destroys the management partition */
			return;
		}
		if (a[0] == 0 && k->nr == RV_HC_PARTITION_START) {
			k->want = -RV_EBUSY;
			return;
		}
	}
	if (k->nr == RV_HC_RING_ENABLE &&
	    (!ring_size_ok(a[1]) || a[2] & ~(uint64_t)(RV_RING_NO_SOFT_LIMIT | RV_RING_PML) ||
	     (a[2] & RV_RING_PML && (a[2] & RV_RING_NO_SOFT_LIMIT || a[1] < 1024))))
		k->bad = true;
	if (k->nr == RV_HC_BITMAP_GET && a[3] & ~(uint64_t)(RV_BITMAP_CLEAR | RV_BITMAP_BACKUP))
		k->bad = true;
	if (k->nr == RV_HC_RING_RESET && a[1] > RV_RING_RESET_MAX)
		k->bad = true;
	/* 1.5: unknown flags, a misaligned start, a range past every slot. */
	if (k->nr == RV_HC_BITMAP_CLEAR_RANGE &&
	    (a[5] & ~(uint64_t)RV_BITMAP_BACKUP || a[2] % RV_BITMAP_RANGE_ALIGN ||
	     a[2] > FZ_SLOT_PAGES_MAX || a[3] > FZ_SLOT_PAGES_MAX - a[2]))
		k->bad = true;
	if (k->nr == RV_HC_PARTITION_WATCHDOG && a[1] > RV_WATCHDOG_MAX)
		k->bad = true;
	/* 1.7: no vCPU index of a fuzz partition reaches RV_MAX_VCPUS; a rate
	 * above the maximum.  (Bochs' TSC paces any rate up to it.) */
	if ((k->nr == RV_HC_DIRTY_LIMIT || k->nr == RV_HC_DIRTY_RATE) &&
	    a[1] >= RV_MAX_VCPUS && !(k->nr == RV_HC_DIRTY_LIMIT && a[1] == RV_DIRTY_ALL_VCPUS))
		k->bad = true;
	if (k->nr == RV_HC_DIRTY_LIMIT && a[2] > RV_DIRTY_LIMIT_MAX)
		k->bad = true;
	/* No partition of a fuzz run boots Linux, so none has a console to read. */
	if (k->nr == RV_HC_CONSOLE_READ)
		k->bad = true;
	/* 1.6: nor a platform whose state could be read or given. */
	if (k->nr == RV_HC_PLATFORM_GET_STATE || k->nr == RV_HC_PLATFORM_SET_STATE)
		k->bad = true;
	/* Inputs we wrote ourselves, at the one place we know what they hold. */
	if (k->nr == RV_HC_VCPU_SET_STATE && a[2] == c->scratch + SC_STATE &&
	    ((const struct rv_vcpu_state *)a[2])->plat.flags)
		k->bad = true;
	if (k->nr == RV_HC_PARTITION_CREATE && a[0] == c->scratch + SC_IN) {
		const struct rv_partition_spec *sp = (const void *)a[0];
		if (sp->image != RV_IMAGE_WORK_ABI || sp->cmdline[0] || sp->nr_vcpus == 0 ||
		    sp->nr_vcpus > RV_MAX_VCPUS || sp->data_mib > RV_DATA_MIB_MAX)
			k->bad = true;
	}
	if (k->nr == RV_HC_SLOT_SET && a[1] == c->scratch + SC_IN) {
		const struct rv_slot *sl = (const void *)a[1];
		bool flags_bad = sl->flags & ~(RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY |
					       RV_SLOT_SMALL_PAGES | RV_SLOT_SPLIT_EAGER) ||
				 (sl->flags & (RV_SLOT_LOG_LAZY | RV_SLOT_SPLIT_EAGER) &&
				  !(sl->flags & RV_SLOT_LOG_DIRTY));
		/* Slot 0 is always there: deleting it is refused once the id,
		 * flags and alignment pass; logging it is not (1.6). */
		bool sys = sl->id == 0 && sl->gpa == 0 && sl->size == RV_SYS_SLOT_SIZE;
		if (sl->id == 0 && !flags_bad && !((sl->gpa | sl->size) & 0xfff) && sl->size == 0)
			k->want = -RV_EPERM;
		/* No slot the fuzzer's pools can name lies below RV_GPA_DATA with these sizes. */
		if (sl->id >= RV_MAX_SLOTS || flags_bad ||
		    (sl->gpa | sl->size) & 0xfff || (sl->id == 0 && sl->size == 0) ||
		    (sl->size && !sys && (sl->gpa < RV_GPA_DATA || sl->gpa >= RV_GPA_DATA_END ||
				  sl->size > RV_GPA_DATA_END - sl->gpa ||
				  sl->size > ((uint64_t)RV_DATA_MIB_MAX << 20))))
			k->bad = true;
	}
	if (k->nr == RV_HC_MAP && (a[2] & 0xfff || a[2] < RV_GPA_WINDOWS || a[2] >= RV_GPA_WINDOWS_END))
		k->bad = true;
	if (ptr_refused(c, k))
		k->bad = true;
	if (k->ptr >= 0 && !k->ptr_bad && k->a[k->ptr] >= c->scratch + SC_OUT &&
	    ptr_len(k->nr, k->a) && k->a[k->ptr] + ptr_len(k->nr, k->a) <= c->ram_end)
		k->good_out = true;
}

static bool errno_known(long r)
{
	switch (-r) {
	case RV_EPERM: case RV_ENOENT: case RV_ESRCH: case RV_E2BIG: case RV_EAGAIN:
	case RV_ENOMEM: case RV_EFAULT: case RV_EBUSY: case RV_EEXIST: case RV_EINVAL:
	case RV_ENOSPC: case RV_ENOSYS: case RV_EOPNOTSUPP: case RV_ETIMEDOUT:
		return true;
	default:
		return false;
	}
}

static void violation(struct fz_ctx *c, const struct fz_call *k, long ret, const char *kind)
{
	char line[sizeof(c->st.first)];

	snprintf(line, sizeof(line), "kind=%s nr=%lu ret=%ld a=0x%lx,0x%lx,0x%lx,0x%lx", kind,
		 k->nr, ret, k->a[0], k->a[1], k->a[2], k->a[3]);
	if (!c->st.violations)
		memcpy(c->st.first, line, sizeof(line));
	if (c->st.violations < 20)
		gprintf("fuzz: VIOLATION %s (call %lu)\n", line, c->st.calls);
	c->st.violations++;
}

/* Judge a result against the contract, and follow the partitions it made or removed. */
static bool judge(struct fz_ctx *c, const struct fz_call *k, long ret)
{
	uint64_t v0 = c->st.violations;
	uint32_t b = k->nr < RV_HC_NR_CALLS ? (uint32_t)k->nr : RV_HC_NR_CALLS;

	c->st.calls++;
	if (ret < 0) {
		c->st.rejected++;
		c->st.rej[b]++;
		if (!errno_known(ret))
			violation(c, k, ret, "unknown-errno");
		else if (k->want && ret != k->want)
			violation(c, k, ret, "wrong-errno");
		return c->st.violations == v0;
	}
	c->st.accepted++;
	c->st.acc[b]++;
	if (k->want || k->bad) {
		violation(c, k, ret, "accepted-invalid");
		return false;
	}
	switch (k->nr) {
	case RV_HC_VERSION:
		if (ret != RV_ABI_VERSION)
			violation(c, k, ret, "version");
		break;
	case RV_HC_HV_INFO:
		if (k->good_out) {
			const struct rv_hv_info *info = (const void *)k->a[0];
			if (info->partition != c->self || info->vcpu != 0 ||
			    info->abi_version != RV_ABI_VERSION)
				violation(c, k, ret, "hv-info-content");
		}
		break;
	case RV_HC_PARTITION_CREATE:
		if (ret < 1 || ret > FZ_MAX_ID || c->live[ret] || (uint64_t)ret == c->avoid) {
			violation(c, k, ret, "create-id");
		} else {
			c->live[ret] = true;
			c->rings[ret] = false;
			c->created++;
		}
		break;
	case RV_HC_PARTITION_DESTROY:
		if (k->a[0] <= FZ_MAX_ID && c->live[k->a[0]]) {
			c->live[k->a[0]] = false;
			c->destroyed++;
		} else {
			violation(c, k, ret, "destroyed-foreign");
		}
		break;
	case RV_HC_RING_ENABLE:
		if (k->a[0] <= FZ_MAX_ID)
			c->rings[k->a[0]] = true;
		break;
	case RV_HC_CONSOLE_WRITE:
		if ((uint64_t)ret != k->a[1])
			violation(c, k, ret, "console-length");
		break;
	case RV_HC_BITMAP_CLEAR_RANGE:
		/* No more pages armed than the range holds. */
		if ((uint64_t)ret > k->a[3])
			violation(c, k, ret, "clear-range-count");
		break;
	case RV_HC_RING_RESET:
		/* A count within the bound, and RV_RING_RESET_MORE only at it. */
		if (((uint64_t)ret & ~RV_RING_RESET_MORE) > (k->a[1] ? k->a[1] : RV_RING_RESET_MAX) ||
		    ((uint64_t)ret & RV_RING_RESET_MORE &&
		     ((uint64_t)ret & ~RV_RING_RESET_MORE) != (k->a[1] ? k->a[1] : RV_RING_RESET_MAX)))
			violation(c, k, ret, "reset-bound");
		break;
	case RV_HC_DIRTY_RATE:
		if (k->good_out) {
			const struct rv_dirty_rate *r = (const void *)k->a[2];
			if (r->limit > RV_DIRTY_LIMIT_MAX || r->window_ticks > r->tsc)
				violation(c, k, ret, "dirty-rate-content");
		}
		if (ret != 0)
			violation(c, k, ret, "nonzero-success");
		break;
	case RV_HC_DIRTY_LIMIT:
	case RV_HC_VCPU_PAUSE:
	case RV_HC_VCPU_RESUME:
	case RV_HC_PARTITION_START:
	case RV_HC_VCPU_SET_STATE:
	case RV_HC_WAIT_EVENT:
	case RV_HC_SLOT_SET:
	case RV_HC_MAP:
		if (ret != 0)
			violation(c, k, ret, "nonzero-success");
		break;
	default:
		break;
	}
	return c->st.violations == v0;
}

bool fz_step(struct fz_ctx *c)
{
	struct fz_call k;
	long ret;

	gen_call(c, &k);
	contract(c, &k);
	ret = hypercall6(k.nr, k.a[0], k.a[1], k.a[2], k.a[3], k.a[4], k.a[5]);
	return judge(c, &k, ret);
}

void fz_table(const struct fz_stats *st, char *buf, uint64_t size)
{
	uint64_t n = 0;

	buf[0] = '\0';
	for (uint32_t b = 0; b < FZ_NR_BUCKETS && n < size; b++) {
		char nr[4];

		if (b < RV_HC_NR_CALLS)
			snprintf(nr, sizeof(nr), "%u", b);
		else
			snprintf(nr, sizeof(nr), "x");
		n += snprintf(buf + n, size - n, "%s%s:%u/%u", b ? " " : "", nr, st->acc[b],
			      st->rej[b]);
	}
}

