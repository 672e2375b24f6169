/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tracepoint of vtd_reassign's intel-iommu hook: one event per domain switch.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vtd_reassign

#if !defined(_VTD_REASSIGN_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VTD_REASSIGN_TRACE_H

#include <linux/tracepoint.h>

TRACE_EVENT(vtd_reassign_switch,
	    TP_PROTO(u16 segment, u16 rid, u16 old_did, u16 new_did,
		     const char *path, unsigned int entries, unsigned int invs,
		     unsigned int rounds, int result),
	    TP_ARGS(segment, rid, old_did, new_did, path, entries, invs,
		    rounds, result),
	    TP_STRUCT__entry(__field(u16, segment)
			     __field(u16, rid)
			     __field(u16, old_did)
			     __field(u16, new_did)
			     __string(path, path)
			     __field(unsigned int, entries)
			     __field(unsigned int, invs)
			     __field(unsigned int, rounds)
			     __field(int, result)),
	    TP_fast_assign(__entry->segment = segment;
			   __entry->rid = rid;
			   __entry->old_did = old_did;
			   __entry->new_did = new_did;
			   __assign_str(path);
			   __entry->entries = entries;
			   __entry->invs = invs;
			   __entry->rounds = rounds;
			   __entry->result = result;),
	    TP_printk("%04x:%02x:%02x.%u did %u->%u %s entries=%u invs=%u rounds=%u result=%d",
		      __entry->segment, __entry->rid >> 8,
		      (__entry->rid >> 3) & 0x1f, __entry->rid & 7,
		      __entry->old_did, __entry->new_did, __get_str(path),
		      __entry->entries, __entry->invs, __entry->rounds,
		      __entry->result)
);

#endif /* _VTD_REASSIGN_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vtd_reassign_trace
#include <trace/define_trace.h>
