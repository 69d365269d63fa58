// SPDX-License-Identifier: MIT
/* The C side of _start, and how a guest stops. */
#include "guest.h"

/* The boot block must not run into the image loaded above it. */
_Static_assert(RV_GPA_BOOT + sizeof(struct rv_guest_boot) <= RV_GPA_IMAGE,
	       "struct rv_guest_boot overlaps the image");

/* The scenario the management program is running (for guest_abort). */
static const char *current_scenario;

void guest_park(void)
{
	for (;;)
		cpu_relax();
}

void guest_set_scenario(const char *name)
{
	store_release(&current_scenario, name);
}

static bool boot_ok(const struct rv_guest_boot *boot)
{
	return boot == guest_boot() && boot->magic == RV_GUEST_BOOT_MAGIC &&
	       (boot->role == RV_ROLE_MGMT || boot->role == RV_ROLE_WORK);
}

void guest_abort(void)
{
	const struct rv_guest_boot *boot = guest_boot();
	const char *name = load_acquire(&current_scenario);
	long rc;

	if (boot_ok(boot) && boot->role == RV_ROLE_WORK) {
		rc = hc_vcpu_done(GUEST_STATUS_ASSERT);
		gprintf("guest_abort: VCPU_DONE returned %ld\n", rc);
		guest_park();
	}
	if (name)
		gprintf("RESULT %s FAIL reason=assert\n", name);
	rc = hc_shutdown(1);
	/* Not the management partition after all (or a broken boot block)? */
	if (rc == -RV_EPERM)
		rc = hc_vcpu_done(GUEST_STATUS_BAD_BOOT);
	gprintf("guest_abort: could not stop (%ld)\n", rc);
	guest_park();
}

void guest_start(uint32_t vcpu, struct rv_guest_boot *boot)
{
	int status;
	long rc;

	if (!boot_ok(boot)) {
		gprintf("vCPU %u: bad boot block at %p (magic 0x%lx role %u)\n", vcpu, (void *)boot,
			boot->magic, boot->role);
		guest_abort();
	}
	status = guest_main(vcpu, boot);
	if (boot->role == RV_ROLE_MGMT)
		rc = hc_shutdown((uint64_t)status);
	else
		rc = hc_vcpu_done((uint64_t)status);
	gprintf("vCPU %u: final hypercall returned %ld\n", vcpu, rc);
	guest_park();
}
