/* SPDX-License-Identifier: ISC */
/* Stand-in for <sys/sysctl.h> (Darwin). */
#ifndef MLXD_STUB_SYS_SYSCTL_H
#define MLXD_STUB_SYS_SYSCTL_H

#include <stddef.h>
#include <stdint.h>

/* sys/sysctl.h: the value of "vm.swapusage". */
struct xsw_usage {
	uint64_t	xsu_total;
	uint64_t	xsu_avail;
	uint64_t	xsu_used;
	uint32_t	xsu_pagesize;
	int		xsu_encrypted;	/* boolean_t */
};

int	sysctlbyname(const char *name, void *oldp, size_t *oldlenp,
	    void *newp, size_t newlen);

#endif
