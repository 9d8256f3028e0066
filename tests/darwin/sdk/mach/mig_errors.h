/* SPDX-License-Identifier: ISC */
/* Stand-in for <mach/mig_errors.h>. */
#ifndef MLXD_STUB_MACH_MIG_ERRORS_H
#define MLXD_STUB_MACH_MIG_ERRORS_H

#define MIG_ARRAY_TOO_LARGE	-307	/* array not large enough */

#endif
