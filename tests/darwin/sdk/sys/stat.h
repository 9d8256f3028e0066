/* SPDX-License-Identifier: ISC */
/*
 * The host's <sys/stat.h> with Darwin's names for struct stat fields
 * (st_atimespec, st_mtimespec, st_flags) and UF_COMPRESSED (sys/stat.h).
 */
#include_next <sys/stat.h>
#ifndef MLXD_STUB_SYS_STAT_H
#define MLXD_STUB_SYS_STAT_H
#define st_atimespec	st_atim
#define st_mtimespec	st_mtim
#define st_flags	__glibc_reserved[0]
#define UF_COMPRESSED	0x00000020
#endif
