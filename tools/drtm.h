/* SPDX-License-Identifier: GPL-2.0 */
/* drtm: what drtm.c and drtm_tcg2.c share. */
#ifndef _HVSEC_TOOLS_DRTM_H
#define _HVSEC_TOOLS_DRTM_H

#include <stddef.h>
#include <stdnoreturn.h>
#include <linux/types.h>
#include <linux/hvsec_tpm12_drtm.h>

#define NR_PCRS		24
/* TPM_ALG_IDs of the banks. */
#define ALG_SHA1	0x0004
#define ALG_SHA256	0x000b
#define ALG_SHA384	0x000c
#define ALG_SHA512	0x000d
#define ALG_SM3_256	0x0012

noreturn void die(const char *fmt, ...);
void hex(const __u8 *p, size_t n, char *out);
__u32 le32(const __u8 *p);
void sha1_digest(const void *data, size_t len, __u8 out[20]);

const char *tcg2_bank_name(__u16 alg);
int tcg2_is_log(const __u8 *buf, size_t len);
void tcg2_print_log(const __u8 *buf, size_t len);
void tcg2_print_replay(const __u8 *buf, size_t len, int ff);
size_t tcg2_build_extend(__u8 *buf, size_t size, int pcr);
int tcg2_verify(const __u8 *buf, size_t len, int ff, const char *startdir);

#endif /* _HVSEC_TOOLS_DRTM_H */
