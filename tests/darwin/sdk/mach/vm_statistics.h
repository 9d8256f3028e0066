/* SPDX-License-Identifier: ISC */
/* Stand-in for <mach/vm_statistics.h> and <mach/host_info.h>. */
#ifndef MLXD_STUB_MACH_VM_STATISTICS_H
#define MLXD_STUB_MACH_VM_STATISTICS_H

#include <mach/mach.h>

/* mach/vm_statistics.h: struct vm_statistics64, in kernel order. */
struct vm_statistics64 {
	natural_t	free_count;
	natural_t	active_count;
	natural_t	inactive_count;
	natural_t	wire_count;
	uint64_t	zero_fill_count;
	uint64_t	reactivations;
	uint64_t	pageins;
	uint64_t	pageouts;
	uint64_t	faults;
	uint64_t	cow_faults;
	uint64_t	lookups;
	uint64_t	hits;
	uint64_t	purges;
	natural_t	purgeable_count;
	natural_t	speculative_count;
	uint64_t	decompressions;
	uint64_t	compressions;
	uint64_t	swapins;
	uint64_t	swapouts;
	natural_t	compressor_page_count;
	natural_t	throttled_count;
	natural_t	external_page_count;
	natural_t	internal_page_count;
	uint64_t	total_uncompressed_pages_in_compressor;
} __attribute__((aligned(8)));
typedef struct vm_statistics64	*vm_statistics64_t;
typedef struct vm_statistics64	vm_statistics64_data_t;

/* mach/host_info.h */
typedef integer_t	 host_flavor_t;
typedef integer_t	*host_info64_t;
#define HOST_VM_INFO64		4
#define HOST_VM_INFO64_COUNT	((mach_msg_type_number_t) \
	(sizeof(vm_statistics64_data_t) / sizeof(integer_t)))

#endif
