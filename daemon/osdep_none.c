/* SPDX-License-Identifier: ISC */
/*
 * osdep_none.c: the fallback implementation of osdep.h for systems without
 * a dedicated backend. Every capability answers -ENOTSUP, so callers report
 * the feature as unavailable instead of guessing.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "osdep.h"

/* ---- file clone primitives (used by dedup.c) ---------------------------- */

/* No clone support known here. */
int
osdep_clone_file(int src_fd, int dst_dirfd, const char *dst_name)
{
	(void)src_fd;
	(void)dst_dirfd;
	(void)dst_name;
	return -ENOTSUP;
}

/* No compare-and-share support known here. */
int
osdep_dedupe_file(int src_fd, int dst_fd, uint64_t len, int *samep)
{
	(void)src_fd;
	(void)dst_fd;
	(void)len;
	(void)samep;
	return -ENOSYS;
}

/* No compressed-file flag known here. */
int
osdep_file_compressed(const struct stat *sb)
{
	(void)sb;
	return 0;
}

/* Modification time in nanoseconds (seconds resolution here). */
int64_t
osdep_stat_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtime * 1000000000;
}

/* Access and modification times (seconds resolution here). */
void
osdep_stat_times(const struct stat *sb, struct timespec ts[2])
{
	ts[0].tv_sec = sb->st_atime;
	ts[0].tv_nsec = 0;
	ts[1].tv_sec = sb->st_mtime;
	ts[1].tv_nsec = 0;
}

/* ---- end of file clone primitives --------------------------------------- */

/* ---- peer credentials ---------------------------------------------------- */

/* No portable way to learn the peer: refuse (callers then deny access). */
int
osdep_peer_uid(int fd, uid_t *uidp)
{
	(void)fd;
	(void)uidp;
	return -ENOTSUP;
}

/* ---- end of peer credentials --------------------------------------------- */

/* ---- durability and priority --------------------------------------------- */

/* fsync is all POSIX offers. */
int
osdep_full_sync(int fd)
{
	return fsync(fd) == 0 ? 0 : -errno;
}

/* No portable per-thread priority: nothing to do. */
int
osdep_thread_background(int on)
{
	(void)on;
	return 0;
}

/* ---- end of durability and priority -------------------------------------- */
