// SPDX-License-Identifier: MIT
/*
 * The guest state that VM entry and exit do not switch (Vol. 3C, 27.3.2,
 * Loading Guest State, and 28.5, Loading Host State, name what they do
 * load; the rest stays in the processor): the x87/SSE/AVX registers and
 * PKRU (XSAVE state components), CR2, DR0-DR3, DR6 and
 * IA32_KERNEL_GS_BASE.  A guest writes all of them without an exit: x87,
 * SSE and AVX instructions (it may set CR4.OSFXSR and CR4.OSXSAVE: the
 * CR4 guest/host mask covers only VMXE), MOV to CR2 and to DRn (no
 * MOV-DR exiting), WRPKRU (CR4.PKE is the guest's too) and SWAPGS.
 *
 * The hypervisor itself never touches any of them (it is built with
 * -mgeneral-regs-only, takes no page faults and sets no breakpoints), and
 * a vCPU keeps its CPU for life, alone.  So while a vCPU is loaded its
 * state simply stays in the registers across exits, at no cost per exit.
 * It is loaded once, before the vCPU's first entry (the initial state, or
 * the one RV_HC_VCPU_SET_STATE gave), copied out on a save request, and
 * scrubbed when the vCPU is unloaded: the next vCPU on this CPU starts
 * from its own state, and a CPU left idle holds nothing of the last one.
 * docs/03-vmx.md, "What VMX switches and what we do".
 */
#include "lib/lib.h"
#include "lib/x86.h"
#include "platform/console.h"
#include "platform/mm.h"
#include "platform/percpu.h"
#include "vmx/unswitched.h"

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)
#define CR4_OSXSAVE (1ull << 18)
#define MSR_IA32_KERNEL_GS_BASE 0xc0000102
#define MSR_STAR 0xc0000081   /* .. MSR_SFMASK: STAR, LSTAR, CSTAR, SFMASK */
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define DR6_INIT 0xffff0ff0ull /* DR6 after reset (Vol. 3B, 18.2.3, Debug Status Register) */

/* XCR0 bits (Vol. 1, 13.3, Enabling the XSAVE Feature Set and XSAVE-Enabled Features). */
#define XCR0_X87 BIT(0)
#define XCR0_SSE BIT(1)
#define XCR0_AVX BIT(2)
#define XCR0_AVX512 (BIT(5) | BIT(6) | BIT(7)) /* opmask, ZMM_Hi256, Hi16_ZMM */
#define XCR0_PKRU BIT(9)

/* The XSAVE image: legacy region, then the header (Vol. 1, 13.4, XSAVE Area). */
#define XS_MXCSR 24
#define XS_MXCSR_MASK 28
#define XS_HEADER 512
#define XS_HEADER_END 576

/* Chosen on the boot CPU, the same on every CPU. */
static bool use_xsave;
static u64 host_xcr0;  /* what every guest reads with XGETBV and cannot change */
static u32 mxcsr_mask; /* MXCSR bits that may be 1 (Vol. 1, 11.6.6) */
/* The initial state: x87 (FCW 037FH) and MXCSR (1F80H) as after INIT, the rest 0. */
static u8 clean[RV_XSAVE_SIZE] __attribute__((aligned(64)));

static void restore(const void *area)
{
	if (use_xsave) /* RFBM = XCR0: components not in XSTATE_BV get their initial state */
		asm volatile("xrstor64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	else
		asm volatile("fxrstor64 (%0)" ::"r"(area) : "memory");
}

static void save(void *area)
{
	if (use_xsave)
		asm volatile("xsave64 (%0)" ::"r"(area), "a"(~0u), "d"(~0u) : "memory");
	else
		asm volatile("fxsave64 (%0)" ::"r"(area) : "memory");
}

static u64 read_dr(int n)
{
	u64 v = 0;

	switch (n) {
	case 0:
		asm volatile("mov %%db0, %0" : "=r"(v));
		break;
	case 1:
		asm volatile("mov %%db1, %0" : "=r"(v));
		break;
	case 2:
		asm volatile("mov %%db2, %0" : "=r"(v));
		break;
	case 3:
		asm volatile("mov %%db3, %0" : "=r"(v));
		break;
	case 6:
		asm volatile("mov %%db6, %0" : "=r"(v));
		break;
	}
	return v;
}

static void write_dr(int n, u64 v)
{
	switch (n) {
	case 0:
		asm volatile("mov %0, %%db0" ::"r"(v));
		break;
	case 1:
		asm volatile("mov %0, %%db1" ::"r"(v));
		break;
	case 2:
		asm volatile("mov %0, %%db2" ::"r"(v));
		break;
	case 3:
		asm volatile("mov %0, %%db3" ::"r"(v));
		break;
	case 6:
		asm volatile("mov %0, %%db6" ::"r"(v));
		break;
	}
}

/*
 * XCR0: x87 and SSE, and AVX, AVX-512 and PKRU where the processor has
 * them and their standard-format offset (CPUID leaf 0DH, sub-leaf i: EAX
 * size, EBX offset) fits in RV_XSAVE_SIZE.  AMX and the rest stay off:
 * a guest cannot turn them on (XSETBV exits and stops it).
 */
static u64 pick_xcr0(void)
{
	u32 a, b, c, d;
	u64 want, x = XCR0_X87 | XCR0_SSE;

	cpuid(0xd, 0, &a, &b, &c, &d);
	want = ((u64)d << 32 | a) & (XCR0_AVX | XCR0_AVX512 | XCR0_PKRU);
	for (u32 i = 2; i < 10; i++) {
		if (!(want & BIT(i)))
			continue;
		cpuid(0xd, i, &a, &b, &c, &d);
		if ((u64)a + b <= RV_XSAVE_SIZE)
			x |= BIT(i);
	}
	/* AVX-512 needs all three of its components and AVX (Vol. 1, 13.3). */
	if ((x & XCR0_AVX512) != XCR0_AVX512 || !(x & XCR0_AVX))
		x &= ~XCR0_AVX512;
	return x;
}

int unswitched_cpu_init(void)
{
	struct percpu *c = this_cpu();
	u32 a, b, cx, d;

	cpuid(1, 0, &a, &b, &cx, &d);
	bool xsave = cx & BIT(26);
	if (!(d & BIT(24))) {
		hv_printf("no FXSAVE/FXRSTOR on this CPU\n");
		return -RV_ENOSYS;
	}
	if (c->id == 0) {
		use_xsave = xsave;
		*(u16 *)clean = 0x37f;
		*(u32 *)(clean + XS_MXCSR) = 0x1f80;
	} else if (xsave != use_xsave) {
		hv_printf("XSAVE on this CPU differs from the boot CPU's\n");
		return -RV_ENOSYS;
	}
	/* No #NM or #UD from our own FXSAVE/XSAVE (Vol. 3A, 2.5, Control Registers). */
	write_cr0((read_cr0() & ~(CR0_EM | CR0_TS)) | CR0_MP);
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT | (use_xsave ? CR4_OSXSAVE : 0));
	if (c->id == 0)
		host_xcr0 = use_xsave ? pick_xcr0() : XCR0_X87 | XCR0_SSE;
	if (use_xsave) {
		u64 v = host_xcr0;
		asm volatile("xsetbv" ::"c"(0), "a"((u32)v), "d"((u32)(v >> 32)));
	}
	if (c->id == 0) {
		static u8 probe[512] __attribute__((aligned(16)));
		asm volatile("fxsave64 (%0)" ::"r"(probe) : "memory");
		mxcsr_mask = *(u32 *)(probe + XS_MXCSR_MASK);
		if (!mxcsr_mask)
			mxcsr_mask =
			    0xffbf; /* Vol. 1, 11.6.6, Guidelines for Writing to the MXCSR */
		memset(probe, 0, sizeof(probe));
		hv_printf("guest FPU state: %s, XCR0 %lx, MXCSR mask %x\n",
			  use_xsave ? "XSAVE" : "FXSAVE", host_xcr0, mxcsr_mask);
	}
	return 0;
}

int unswitched_alloc(struct vmx_vcpu *v)
{
	if (!v->xsave_pa)
		v->xsave_pa = mm_alloc(1); /* page aligned: XSAVE wants 64 bytes */
	return v->xsave_pa ? 0 : -RV_ENOMEM;
}

void unswitched_free(struct vmx_vcpu *v)
{
	if (v->xsave_pa)
		mm_free(v->xsave_pa, 1);
	v->xsave_pa = 0;
}

static void set_xcr0(u64 x)
{
	asm volatile("xsetbv" ::"c"(0), "a"((u32)x), "d"((u32)(x >> 32)));
}

static u64 get_xcr0(void)
{
	u32 a, d;

	asm volatile("xgetbv" : "=a"(a), "=d"(d) : "c"(0));
	return (u64)d << 32 | a;
}

/*
 * XCR0 a guest may set for itself (vmx_set_xcr0): within what the
 * hypervisor uses and the platform offers (x87, SSE, AVX), with XSETBV's
 * own #GP conditions (Vol. 2C, XSETBV): bit 0 set, AVX only with SSE.
 */
static bool guest_xcr0_ok(u64 xcr0)
{
	u64 allowed = host_xcr0 & (XCR0_X87 | XCR0_SSE | XCR0_AVX);

	return use_xsave && !(xcr0 & ~allowed) && (xcr0 & XCR0_X87) &&
	       (!(xcr0 & XCR0_AVX) || (xcr0 & XCR0_SSE));
}

/*
 * The CPU's XCR0 is the host's here (unswitched_cpu_init, or the last
 * vCPU's scrub), so XRSTOR reaches every component the image names; a
 * guest's own XCR0 (a moved Linux vCPU) is set after it, as the guest set
 * it after its state was there.
 */
void unswitched_load(struct vmx_vcpu *v, const struct rv_vcpu_state *s)
{
	u8 *area = (u8 *)v->xsave_pa;

	memcpy(area, s ? s->xsave : clean, RV_XSAVE_SIZE);
	restore(area);
	if (use_xsave && s && s->xcr0 && s->xcr0 != host_xcr0)
		set_xcr0(s->xcr0);
	write_cr2(s ? s->cr2 : 0);
	for (int i = 0; i < 4; i++)
		write_dr(i, s ? s->dr[i] : 0);
	write_dr(6, s ? s->dr6 : DR6_INIT);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, s ? s->kernel_gs_base : 0);
	wrmsr(MSR_STAR, s ? s->star : 0);
	wrmsr(MSR_LSTAR, s ? s->lstar : 0);
	wrmsr(MSR_CSTAR, s ? s->cstar : 0);
	wrmsr(MSR_SFMASK, s ? s->sfmask : 0);
}

void unswitched_save(struct vmx_vcpu *v, struct rv_vcpu_state *s)
{
	u8 *area = (u8 *)v->xsave_pa;

	/* XSAVE writes XSTATE_BV only; the rest of the header must read 0. */
	memset(area + XS_HEADER, 0, XS_HEADER_END - XS_HEADER);
	save(area);
	if (!use_xsave) /* FXSAVE's image as XSAVE's with x87 and SSE in use */
		*(u64 *)(area + XS_HEADER) = XCR0_X87 | XCR0_SSE;
	memcpy(s->xsave, area, RV_XSAVE_SIZE);
	/* The XCR0 the area was saved under: a Linux guest's own (XSETBV),
	 * else the host's. */
	s->xcr0 = use_xsave ? get_xcr0() : host_xcr0;
	s->cr2 = read_cr2();
	for (int i = 0; i < 4; i++)
		s->dr[i] = read_dr(i);
	s->dr6 = read_dr(6);
	s->kernel_gs_base = rdmsr(MSR_IA32_KERNEL_GS_BASE);
	s->star = rdmsr(MSR_STAR);
	s->lstar = rdmsr(MSR_LSTAR);
	s->cstar = rdmsr(MSR_CSTAR);
	s->sfmask = rdmsr(MSR_SFMASK);
}

/*
 * XSETBV of a guest that runs its own kernel (hv/vplat/): XCR0 becomes
 * the guest's while its vCPU owns this CPU, within what the hypervisor
 * uses itself and the platform offers (x87, SSE, AVX: CPUID leaf 0DH as
 * hv/vplat/cpuid.c reports it).  XSETBV's own #GP conditions (Vol. 2C,
 * XSETBV): bit 0 clear, AVX without SSE, an unsupported bit.
 */
int vmx_set_xcr0(u64 xcr0)
{
	if (!guest_xcr0_ok(xcr0))
		return -1;
	set_xcr0(xcr0);
	return 0;
}

void unswitched_scrub(void)
{
	/* A guest may have set its own XCR0 (vmx_set_xcr0): ours first, so
	 * the restore below reaches every component. */
	if (use_xsave)
		set_xcr0(host_xcr0);
	restore(clean);
	write_cr2(0);
	for (int i = 0; i < 4; i++)
		write_dr(i, 0);
	write_dr(6, DR6_INIT);
	wrmsr(MSR_IA32_KERNEL_GS_BASE, 0);
	/* SYSCALL's MSRs, which a Linux guest writes (hv/vplat/msr.c). */
	for (u32 m = MSR_STAR; m <= MSR_SFMASK; m++)
		wrmsr(m, 0);
}

/*
 * What would make unswitched_load fault in the hypervisor: XRSTOR's
 * #GP conditions for a standard-format image (Vol. 1, 13.8, Operation of
 * XRSTOR: XSTATE_BV outside XCR0, header bytes 23:8 not 0, reserved MXCSR
 * bits; we ask all of bytes 63:8 to be 0), MOV to DR6 with bits 63:32
 * set, WRMSR of a non-canonical address; and a non-canonical DR0-DR3.
 */
int unswitched_check(const struct rv_vcpu_state *s, bool own_xcr0)
{
	u64 bv, xcr0 = s->xcr0 ? s->xcr0 : host_xcr0;
	u32 mxcsr;

	/* The host's XCR0 (0 says so too); a Linux guest's own only as XSETBV takes it. */
	if (xcr0 != host_xcr0 && (!own_xcr0 || !guest_xcr0_ok(xcr0)))
		return -RV_EINVAL;
	memcpy(&bv, s->xsave + XS_HEADER, sizeof(bv));
	memcpy(&mxcsr, s->xsave + XS_MXCSR, sizeof(mxcsr));
	/* An image saved under xcr0 names only its components. */
	if (bv & ~xcr0 || mxcsr & ~mxcsr_mask)
		return -RV_EINVAL;
	for (u32 i = XS_HEADER + 8; i < XS_HEADER_END; i++)
		if (s->xsave[i])
			return -RV_EINVAL;
	if (s->dr6 >> 32 || !x86_canonical(s->kernel_gs_base))
		return -RV_EINVAL;
	/* WRMSR's #GP for SYSCALL's MSRs (Vol. 3A, 5.8.8, Figure 5-14; hv/vplat/msr.c). */
	if ((u32)s->star || s->sfmask >> 32 || !x86_canonical(s->lstar) ||
	    !x86_canonical(s->cstar))
		return -RV_EINVAL;
	for (int i = 0; i < 4; i++)
		if (!x86_canonical(s->dr[i]))
			return -RV_EINVAL;
	return 0;
}
