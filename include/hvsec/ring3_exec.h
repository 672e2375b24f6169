/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ring3_exec: run a registered helper at CPL3 from kernel context.
 * In-kernel API.
 */
#ifndef _HVSEC_RING3_EXEC_H
#define _HVSEC_RING3_EXEC_H

#include <linux/types.h>

/* The SYSCALL MSRs that a ring 3 call swaps and must restore exactly. */
struct r3x_syscall_msrs {
	u64 lstar;
	u64 star;
	u64 sfmask;
};

void r3x_msrs_save(struct r3x_syscall_msrs *m);
void r3x_msrs_load(const struct r3x_syscall_msrs *m);
int r3x_cpu_supported(void);

#endif /* _HVSEC_RING3_EXEC_H */
