/* SPDX-License-Identifier: ISC */
/* Stand-in for <sys/attr.h>: included by osdep_darwin.c, nothing used. */
#ifndef MLXD_STUB_SYS_ATTR_H
#define MLXD_STUB_SYS_ATTR_H
#endif
