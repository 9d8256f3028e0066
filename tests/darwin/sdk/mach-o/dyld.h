/* SPDX-License-Identifier: ISC */
/* Stand-in for <mach-o/dyld.h> (macOS SDK, usr/include/mach-o/dyld.h). */
#ifndef MLXD_STUB_MACHO_DYLD_H
#define MLXD_STUB_MACHO_DYLD_H

#include <stdint.h>

int	_NSGetExecutablePath(char *buf, uint32_t *bufsize);

#endif
