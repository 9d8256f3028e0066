/* SPDX-License-Identifier: ISC */
/* Stand-in for <mach/mach_host.h> (MIG-generated host calls). */
#ifndef MLXD_STUB_MACH_HOST_H
#define MLXD_STUB_MACH_HOST_H

#include <mach/mach.h>
#include <mach/processor_info.h>
#include <mach/vm_statistics.h>

kern_return_t	host_page_size(host_t host, vm_size_t *out_page_size);
kern_return_t	host_processor_info(host_t host, processor_flavor_t flavor,
		    natural_t *out_processor_count,
		    processor_info_array_t *out_processor_info,
		    mach_msg_type_number_t *out_processor_infoCnt);
kern_return_t	host_statistics64(host_t host_priv, host_flavor_t flavor,
		    host_info64_t host_info64_out,
		    mach_msg_type_number_t *host_info64_outCnt);

#endif
