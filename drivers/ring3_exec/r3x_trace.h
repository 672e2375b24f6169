/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ring3_exec

#if !defined(_R3X_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _R3X_TRACE_H

#include <linux/tracepoint.h>
#include <hvsec/compat.h>

TRACE_EVENT(r3x_call,
	    TP_PROTO(const char *helper, int ret, u64 result, u64 vector,
		     unsigned long services),
	    TP_ARGS(helper, ret, result, vector, services),
	    TP_STRUCT__entry(__string(helper, helper)
			     __field(int, ret)
			     __field(u64, result)
			     __field(u64, vector)
			     __field(unsigned long, services)),
	    TP_fast_assign(hvsec_assign_str(helper, helper);
			   __entry->ret = ret;
			   __entry->result = result;
			   __entry->vector = vector;
			   __entry->services = services;),
	    TP_printk("helper=%s ret=%d result=%#llx vector=%#llx services=%lu",
		      __get_str(helper), __entry->ret, __entry->result,
		      __entry->vector, __entry->services)
);

#endif /* _R3X_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE r3x_trace
#include <trace/define_trace.h>
