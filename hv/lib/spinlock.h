/* SPDX-License-Identifier: MIT */
/* Ticket spinlock.  The hypervisor runs with interrupts off, so no irqsave. */
#ifndef RV_SPINLOCK_H
#define RV_SPINLOCK_H

#include "lib/types.h"

struct spinlock {
	u32 next, owner;
};

static inline void spin_lock(struct spinlock *l)
{
	u32 me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		__builtin_ia32_pause();
}

static inline void spin_unlock(struct spinlock *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

#endif
