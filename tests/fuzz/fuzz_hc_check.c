// SPDX-License-Identifier: MIT
// links: hv/partition/hc_check.c
/*
 * Fuzz the hypercall argument checks (hv/hc_check.c) against the promises
 * of the ABI (hv/abi/hypercall.h).  The input is a list of operations; each
 * starts with an opcode byte and decodes its arguments from the bytes that
 * follow (zeros once the input runs out).  Slot operations act on a model of
 * one partition's slot table, changed the way partition_slot_set changes
 * the real one, so a sequence of accepted calls is followed through.  Any
 * broken invariant aborts (tests/fuzz/README.md lists them).
 */
#include <stdbool.h>
#include <string.h>

#include "partition/hc_check.h"
#include "fuzz.h"

typedef unsigned __int128 u128;

#define LIMIT_48 (1ull << 48)
#define SLOT_MAX_BYTES ((u64)HC_SLOT_MIB_MAX << 20)

enum op { OP_RANGE, OP_SPEC, OP_SLOT, OP_WINDOW, OP_PRIV, OP_CLEAR, OP_LIMIT, NR_OPS };

/*
 * An address or a size.  Raw 64-bit values rarely land where the checks
 * decide anything, so most encodings are relative to a base the caller
 * names (the start of the data area, of the windows, ...): whole pages
 * after it, or a few bytes either side of it (unaligned, possibly below).
 */
static u64 take_addr(struct fuzz_in *in, u64 base)
{
	u8 how = fuzz_u8(in);

	switch (how & 3) {
	case 0:
		return fuzz_u64(in);
	case 1:
		return base + ((u64)fuzz_u32(in) << 12); /* may wrap: that is a test too */
	case 2:
		return base + (u64)fuzz_u16(in) * PAGE_SIZE;
	default:
		return base + (u64)(int64_t)(int16_t)fuzz_u16(in);
	}
}

/* [a, a + len) inside [lo, hi), computed without wrapping. */
static bool inside(u64 a, u64 len, u64 lo, u64 hi)
{
	return a >= lo && a < hi && (u128)a + len <= hi;
}

static bool overlaps(u64 a, u64 alen, u64 b, u64 blen)
{
	return alen && blen && (u128)a < (u128)b + blen && (u128)b < (u128)a + alen;
}

static void fuzz_range(struct fuzz_in *in)
{
	u8 which = fuzz_u8(in);
	u64 gpa = take_addr(in, (which & 1) ? LIMIT_48 - (1u << 20) : 0);
	u64 len = take_addr(in, 0);
	bool ok = hc_range_ok(gpa, len);

	/* Exactly the ranges that end at or below 2^48 (and do not wrap). */
	CHECK(ok == ((u128)gpa + len <= LIMIT_48 && gpa < LIMIT_48));
	if (ok)
		CHECK(gpa + len >= gpa);
}

static void fuzz_spec(struct fuzz_in *in)
{
	u8 how = fuzz_u8(in);
	struct rv_partition_spec s;

	memset(&s, 0, sizeof(s));
	s.image = (how & 1) ? fuzz_u32(in) : (how & 16) ? RV_IMAGE_LINUX_ABI : RV_IMAGE_WORK_ABI;
	/* A command line of fuzzed bytes, often ended, sometimes not. */
	if (how & 32) {
		size_t n = fuzz_u16(in) % (RV_CMDLINE_MAX + 1);
		for (size_t i = 0; i < n && i < RV_CMDLINE_MAX; i++)
			s.cmdline[i] = (char)((how & 64) ? fuzz_u8(in) : 0x20 + fuzz_u8(in) % 0x5f);
	}
	s.nr_vcpus = (how & 2) ? fuzz_u32(in) : fuzz_u8(in) % (RV_MAX_VCPUS + 2);
	s.data_mib = (how & 4) ? fuzz_u64(in) : fuzz_u16(in);
	for (int i = 0; i < RV_NR_WORK_ARGS; i++)
		s.args[i] = fuzz_u64(in);
	u32 free_cpus = (how & 8) ? fuzz_u32(in) : fuzz_u8(in) % 20;

	struct rv_partition_spec copy = s;
	int r = hc_check_spec(&s, free_cpus);

	CHECK(!memcmp(&copy, &s, sizeof(s))); /* const really is const */
	CHECK(r == 0 || r == -RV_EINVAL || r == -RV_ENOSPC);
	/* 1.4: a Linux image with a printable, NUL-ended command line and
	 * nothing after the NUL, and RV_LINUX_MIB_MIN MiB at least; our own
	 * workload with no command line at all. */
	size_t len = strnlen(s.cmdline, RV_CMDLINE_MAX);
	bool cmdline_ok = len < RV_CMDLINE_MAX;
	for (size_t i = 0; i < RV_CMDLINE_MAX && cmdline_ok; i++)
		if (i < len ? s.cmdline[i] < 0x20 || s.cmdline[i] > 0x7e : s.cmdline[i] != 0)
			cmdline_ok = false;
	bool image_ok = (s.image == RV_IMAGE_WORK_ABI && len == 0 && cmdline_ok) ||
			(s.image == RV_IMAGE_LINUX_ABI && cmdline_ok &&
			 s.data_mib >= RV_LINUX_MIB_MIN);
	bool valid = image_ok && s.nr_vcpus >= 1 && s.nr_vcpus <= RV_MAX_VCPUS &&
		     s.data_mib <= RV_DATA_MIB_MAX;
	if (r == 0) {
		CHECK(valid && s.nr_vcpus <= free_cpus);
		/* The data slot it implies fits the data area without wrapping. */
		CHECK(inside(RV_GPA_DATA, s.data_mib << 20, RV_GPA_DATA, RV_GPA_DATA_END));
	} else if (r == -RV_ENOSPC) {
		CHECK(valid && s.nr_vcpus > free_cpus);
	} else {
		CHECK(!valid);
	}
}

/* The model: what partition_slot_set would leave behind. */
static struct hc_range slots[RV_MAX_SLOTS];

static void check_table(void)
{
	/* Slot 0 is the system slot and never moves or goes away. */
	CHECK(slots[0].gpa == 0 && slots[0].size == RV_SYS_SLOT_SIZE);
	for (u32 i = 1; i < RV_MAX_SLOTS; i++) {
		if (!slots[i].size)
			continue;
		CHECK(IS_ALIGNED(slots[i].gpa | slots[i].size, PAGE_SIZE));
		CHECK(inside(slots[i].gpa, slots[i].size, RV_GPA_DATA, RV_GPA_DATA_END));
		for (u32 j = 0; j < i; j++)
			CHECK(!overlaps(slots[i].gpa, slots[i].size, slots[j].gpa, slots[j].size));
	}
}

static void fuzz_slot(struct fuzz_in *in)
{
	u8 how = fuzz_u8(in);
	struct rv_slot s;

	s.id = (how & 1) ? fuzz_u32(in) : fuzz_u8(in) % (RV_MAX_SLOTS + 1);
	s.flags = (how & 2) ? fuzz_u32(in)
			    : fuzz_u8(in) & (RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY | RV_SLOT_SMALL_PAGES |
					     RV_SLOT_SPLIT_EAGER);
	s.gpa = take_addr(in, RV_GPA_DATA);
	s.size = take_addr(in, 0);

	struct rv_slot copy = s;
	struct hc_range before[RV_MAX_SLOTS];
	memcpy(before, slots, sizeof(slots));
	int r = hc_check_slot(&s, slots);

	CHECK(!memcmp(&copy, &s, sizeof(s)) && !memcmp(before, slots, sizeof(slots)));
	bool known_id = s.id < RV_MAX_SLOTS;
	bool exists = known_id && slots[s.id].size;
	/* Known flags, and 1.5's lazy protection and 1.7's lazy splitting
	 * only as ways of logging. */
	bool flags_ok = !(s.flags & ~(RV_SLOT_LOG_DIRTY | RV_SLOT_LOG_LAZY | RV_SLOT_SMALL_PAGES |
				      RV_SLOT_SPLIT_EAGER)) &&
			(!(s.flags & (RV_SLOT_LOG_LAZY | RV_SLOT_SPLIT_EAGER)) ||
			 (s.flags & RV_SLOT_LOG_DIRTY));
	switch (r) {
	case HC_SLOT_CREATE:
		CHECK(known_id && !exists && s.size && flags_ok);
		CHECK(IS_ALIGNED(s.gpa, PAGE_SIZE) && IS_ALIGNED(s.size, PAGE_SIZE));
		CHECK(s.size <= SLOT_MAX_BYTES);
		CHECK(inside(s.gpa, s.size, RV_GPA_DATA, RV_GPA_DATA_END));
		CHECK(hc_range_ok(s.gpa, s.size));
		for (u32 i = 0; i < RV_MAX_SLOTS; i++)
			CHECK(!overlaps(s.gpa, s.size, slots[i].gpa, slots[i].size));
		slots[s.id] = (struct hc_range){s.gpa, s.size};
		break;
	case HC_SLOT_DELETE:
		CHECK(exists && s.id != 0 && s.size == 0);
		slots[s.id] = (struct hc_range){0, 0};
		break;
	case HC_SLOT_FLAGS:
		CHECK(exists && s.gpa == slots[s.id].gpa && s.size == slots[s.id].size);
		CHECK(flags_ok); /* 1.6: slot 0 may log too */
		break;
	case -RV_ENOENT:
		CHECK(known_id && !exists && s.size == 0);
		break;
	case -RV_EPERM:
		CHECK(s.id == 0 && s.size == 0); /* only deleting slot 0 */
		break;
	case -RV_EEXIST:
	case -RV_EINVAL:
		break;
	default:
		CHECK(!"hc_check_slot returned something undocumented");
	}
	/* Not too strict either: a clean new slot in free space is accepted. */
	if (known_id && !exists && flags_ok && s.size && IS_ALIGNED(s.gpa | s.size, PAGE_SIZE) &&
	    s.size <= SLOT_MAX_BYTES && inside(s.gpa, s.size, RV_GPA_DATA, RV_GPA_DATA_END)) {
		bool free_space = true;
		for (u32 i = 0; i < RV_MAX_SLOTS; i++)
			free_space &= !overlaps(s.gpa, s.size, before[i].gpa, before[i].size);
		CHECK(r == (free_space ? HC_SLOT_CREATE : -RV_EEXIST));
	}
	check_table();
}

static void fuzz_window(struct fuzz_in *in)
{
	u8 how = fuzz_u8(in);
	u64 gpa = take_addr(in, (how & 1) ? RV_GPA_WINDOWS_END - (1u << 20) : RV_GPA_WINDOWS);
	/* RV_HC_MAP maps a whole slot: its size, or any size. */
	u64 size = (how & 2) ? take_addr(in, 0) : slots[fuzz_u8(in) % RV_MAX_SLOTS].size;
	int r = hc_check_window(gpa, size);

	CHECK(r == 0 || r == -RV_EINVAL);
	bool want =
	    IS_ALIGNED(gpa, PAGE_SIZE) && inside(gpa, size, RV_GPA_WINDOWS, RV_GPA_WINDOWS_END);
	CHECK((r == 0) == want);
	if (r == 0) {
		/* partition_map's loop "a < gpa + size" must not wrap. */
		CHECK(gpa + size >= gpa);
		/* Never over the rings or the data area of the management partition. */
		CHECK(!overlaps(gpa, size, RV_GPA_DATA, RV_GPA_WINDOWS - RV_GPA_DATA));
		CHECK(gpa + size <= RV_GPA_WINDOWS_END);
	}
}

/*
 * A page number near where RV_HC_BITMAP_CLEAR_RANGE's checks decide: a
 * multiple of 64 up to a little past a slot of `pages`, a few either
 * side of one, the slot's end, or anything.
 */
static u64 take_page(struct fuzz_in *in, u64 pages)
{
	u8 how = fuzz_u8(in);

	switch (how & 3) {
	case 0:
		return fuzz_u64(in);
	case 1:
		return (u64)fuzz_u16(in) * 64;
	case 2:
		return pages + (u64)(int64_t)(int8_t)fuzz_u8(in);
	default:
		return (u64)fuzz_u16(in) * 64 + (u64)(int64_t)(int8_t)fuzz_u8(in);
	}
}

static void fuzz_clear(struct fuzz_in *in)
{
	u8 how = fuzz_u8(in);
	/* A slot of the model (as the hypercall passes it), or any size. */
	u64 pages = (how & 1) ? fuzz_u32(in) : slots[fuzz_u8(in) % RV_MAX_SLOTS].size / PAGE_SIZE;
	u64 first = take_page(in, pages);
	u64 num = (how & 2) ? take_page(in, pages) : take_page(in, pages - first);
	int r = hc_check_clear_range(first, num, pages);

	CHECK(r == 0 || r == -RV_EINVAL);
	/* KVM_CLEAR_DIRTY_LOG's rules, computed in 128 bits. */
	bool want = first % RV_BITMAP_RANGE_ALIGN == 0 && (u128)first + num <= pages &&
		    (num % RV_BITMAP_RANGE_ALIGN == 0 || (u128)first + num == pages);
	CHECK((r == 0) == want);
	if (r == 0) {
		/* The words the call reads and clears lie in the slot's bitmap. */
		CHECK(first + num >= first);
		CHECK(first / 64 + (num + 63) / 64 <= (pages + 63) / 64);
	}
}

/* 1.7: RV_HC_DIRTY_LIMIT's rate against the TSC frequency. */
static void fuzz_limit(struct fuzz_in *in)
{
	u8 how = fuzz_u8(in);
	u64 rate = (how & 1) ? fuzz_u64(in) : fuzz_u32(in) >> (how >> 3 & 7);
	u64 khz = (how & 2) ? fuzz_u64(in) : (how & 4) ? 0 : fuzz_u32(in);
	int r = hc_check_dirty_limit(rate, khz);

	CHECK(r == 0 || r == -RV_EINVAL || r == -RV_EOPNOTSUPP);
	/* 0 always; else a known TSC, at most the maximum and a page a tick. */
	bool want = rate == 0 || (khz && rate <= RV_DIRTY_LIMIT_MAX && (u128)rate <= (u128)khz * 1000);
	CHECK((r == 0) == want);
	if (r == -RV_EOPNOTSUPP)
		CHECK(khz == 0 && rate);
}

static void fuzz_priv(struct fuzz_in *in)
{
	u8 how = fuzz_u8(in);
	u64 nr = (how & 1) ? fuzz_u64(in) : fuzz_u8(in);
	bool open = nr == RV_HC_VERSION || nr == RV_HC_CONSOLE_WRITE || nr == RV_HC_VCPU_DONE ||
		    nr == RV_HC_HV_INFO;

	/* Only these four are open to workloads; anything else, known or not, is not. */
	CHECK(hc_is_privileged(nr) == !open);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = {data, size};

	/* A partition as RV_HC_PARTITION_CREATE leaves it: system slot, data slot. */
	memset(slots, 0, sizeof(slots));
	slots[0] = (struct hc_range){0, RV_SYS_SLOT_SIZE};
	u64 data_mib = fuzz_u16(&in) % (RV_DATA_MIB_MAX + 1);
	if (data_mib)
		slots[1] = (struct hc_range){RV_GPA_DATA, data_mib << 20};
	check_table();

	for (int ops = 0; fuzz_left(&in) && ops < 256; ops++) {
		switch (fuzz_u8(&in) % NR_OPS) {
		case OP_RANGE:
			fuzz_range(&in);
			break;
		case OP_SPEC:
			fuzz_spec(&in);
			break;
		case OP_SLOT:
			fuzz_slot(&in);
			break;
		case OP_WINDOW:
			fuzz_window(&in);
			break;
		case OP_PRIV:
			fuzz_priv(&in);
			break;
		case OP_LIMIT:
			fuzz_limit(&in);
			break;
		default:
			fuzz_clear(&in);
			break;
		}
	}
	return 0;
}
