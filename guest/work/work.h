/* SPDX-License-Identifier: MIT */
/* The workload program's tests that live in files of their own. */
#ifndef GUEST_WORK_H
#define GUEST_WORK_H

#include "guest.h"

/* WORK_TEST_EVENTS (events.c). */
int test_events(uint32_t vcpu, const struct rv_guest_boot *boot);

#endif
