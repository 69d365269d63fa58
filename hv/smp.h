/* SPDX-License-Identifier: MIT */
#ifndef RV_SMP_H
#define RV_SMP_H

#include "bootinfo.h"

/* Start every AP from the boot information; returns how many came up. */
u32 smp_boot_aps(const struct rv_bootinfo *bi);

#endif
