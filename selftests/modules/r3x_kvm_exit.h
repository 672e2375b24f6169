/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kvm.ko's kvm_exit tracepoint (EXPORT_TRACEPOINT_SYMBOL_GPL): declared in
 * KVM's private arch/x86/kvm/trace.h, so named here for r3x_kvm_exit.c.
 * Its probes take (void *data, struct kvm_vcpu *vcpu, u32 isa) in Linux
 * 6.12 and 7.3.
 */
#ifndef _R3X_KVM_EXIT_H
#define _R3X_KVM_EXIT_H

#include <linux/tracepoint.h>

struct kvm_vcpu;
extern struct tracepoint __tracepoint_kvm_exit;

#endif /* _R3X_KVM_EXIT_H */
