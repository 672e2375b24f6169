/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM tpm12_drtm

#if !defined(_TPM12_DRTM_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TPM12_DRTM_TRACE_H

#include <linux/tracepoint.h>

/* One event per extend attempt (successful or not). */
TRACE_EVENT(tpm12_drtm_extend,
	    TP_PROTO(u32 pcr, u32 locality, u32 type, u32 mode,
		     const u8 *digest, int ret, u32 tpm_rc),
	    TP_ARGS(pcr, locality, type, mode, digest, ret, tpm_rc),
	    TP_STRUCT__entry(__field(u32, pcr)
			     __field(u32, locality)
			     __field(u32, type)
			     __field(u32, mode)
			     __array(u8, digest, 20)
			     __field(int, ret)
			     __field(u32, tpm_rc)),
	    TP_fast_assign(__entry->pcr = pcr;
			   __entry->locality = locality;
			   __entry->type = type;
			   __entry->mode = mode;
			   memcpy(__entry->digest, digest, 20);
			   __entry->ret = ret;
			   __entry->tpm_rc = tpm_rc;),
	    TP_printk("pcr=%u locality=%u type=%#x mode=%s digest=%*phN ret=%d tpm_rc=%#x",
		      __entry->pcr, __entry->locality, __entry->type,
		      __entry->mode == 2 ? "tpm" : "host", 20, __entry->digest,
		      __entry->ret, __entry->tpm_rc)
);

/*
 * One event per TPM command, before its first register access: a trace of
 * what reached the TPM (with Linux's own commands, e.g. through a kprobe
 * on tpm_transmit, in the same timeline).
 */
TRACE_EVENT(tpm12_drtm_command,
	    TP_PROTO(u32 ordinal, u32 locality),
	    TP_ARGS(ordinal, locality),
	    TP_STRUCT__entry(__field(u32, ordinal)
			     __field(u32, locality)),
	    TP_fast_assign(__entry->ordinal = ordinal;
			   __entry->locality = locality;),
	    TP_printk("ordinal=%#x locality=%u", __entry->ordinal,
		      __entry->locality)
);

/* System suspend and resume as the module sees them (PM notifier). */
TRACE_EVENT(tpm12_drtm_pm,
	    TP_PROTO(int suspend, u64 commands),
	    TP_ARGS(suspend, commands),
	    TP_STRUCT__entry(__field(int, suspend)
			     __field(u64, commands)),
	    TP_fast_assign(__entry->suspend = suspend;
			   __entry->commands = commands;),
	    TP_printk("%s commands=%llu",
		      __entry->suspend ? "suspend" : "resume",
		      __entry->commands)
);

#endif /* _TPM12_DRTM_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace
#include <trace/define_trace.h>
