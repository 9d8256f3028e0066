/* SPDX-License-Identifier: ISC */
/* Stand-in for <mach/processor_info.h> (and <mach/machine.h>'s states). */
#ifndef MLXD_STUB_MACH_PROCESSOR_INFO_H
#define MLXD_STUB_MACH_PROCESSOR_INFO_H

#include <mach/mach.h>

/* mach/machine.h */
#define CPU_STATE_MAX		4
#define CPU_STATE_USER		0
#define CPU_STATE_SYSTEM	1
#define CPU_STATE_IDLE		2
#define CPU_STATE_NICE		3

/* mach/processor_info.h */
typedef integer_t	*processor_info_t;
typedef integer_t	*processor_info_array_t;
typedef int		 processor_flavor_t;
#define PROCESSOR_CPU_LOAD_INFO	2
struct processor_cpu_load_info {
	unsigned int	cpu_ticks[CPU_STATE_MAX];
};
typedef struct processor_cpu_load_info	processor_cpu_load_info_data_t;
typedef struct processor_cpu_load_info	*processor_cpu_load_info_t;

#endif
