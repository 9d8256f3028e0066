/* SPDX-License-Identifier: ISC */
/* The host's <sys/resource.h> plus Darwin's I/O policy (sys/resource.h). */
#include_next <sys/resource.h>
#ifndef MLXD_STUB_SYS_RESOURCE_H
#define MLXD_STUB_SYS_RESOURCE_H
#define IOPOL_TYPE_DISK		0
#define IOPOL_SCOPE_PROCESS	0
#define IOPOL_SCOPE_THREAD	1
#define IOPOL_DEFAULT		0
#define IOPOL_IMPORTANT		1
#define IOPOL_PASSIVE		2
#define IOPOL_THROTTLE		3
#define IOPOL_UTILITY		4
#define IOPOL_STANDARD		5
int	setiopolicy_np(int iotype, int scope, int policy);
#endif
