/* SPDX-License-Identifier: ISC */
/* Stand-in for <sys/clonefile.h>. */
#ifndef MLXD_STUB_SYS_CLONEFILE_H
#define MLXD_STUB_SYS_CLONEFILE_H

#include <stdint.h>

#define CLONE_NOFOLLOW		0x0001
#define CLONE_NOOWNERCOPY	0x0002
int	fclonefileat(int srcfd, int dst_dirfd, const char *dst,
	    uint32_t flags);

#endif
