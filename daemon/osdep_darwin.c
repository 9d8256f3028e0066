/* SPDX-License-Identifier: ISC */
/*
 * osdep_darwin.c: the macOS implementation of osdep.h.
 *
 * Each section below implements the matching section of osdep.h and keeps
 * its macOS-only headers and helpers to itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <unistd.h>
#include <pthread.h>
#include <pthread/qos.h>
#include <sys/attr.h>
#include <sys/clonefile.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include "osdep.h"

/* ---- file clone primitives (used by dedup.c) ---------------------------- */
/*
 * APFS clones with fclonefileat(2) (macOS 10.12): all or nothing, dst must
 * not exist, ENOTSUP where the volume cannot clone, EXDEV across volumes.
 * CLONE_NOOWNERCOPY makes the clone owned as if newly created; the caller
 * copies the replaced file's mode, owner and times onto it. There is no
 * in-kernel compare-and-share on macOS, so osdep_dedupe_file() is
 * unsupported and dedup.c verifies bytes itself before cloning.
 */

/* Clone src_fd into a new file dst_name in dst_dirfd with fclonefileat. */
int
osdep_clone_file(int src_fd, int dst_dirfd, const char *dst_name)
{
	if (fclonefileat(src_fd, dst_dirfd, dst_name,
	    CLONE_NOFOLLOW | CLONE_NOOWNERCOPY) == -1) {
		if (errno == ENOTSUP || errno == EINVAL)
			return -EOPNOTSUPP;
		return -errno;
	}
	return 0;
}

/* No compare-and-share ioctl on macOS. */
int
osdep_dedupe_file(int src_fd, int dst_fd, uint64_t len, int *samep)
{
	(void)src_fd;
	(void)dst_fd;
	(void)len;
	(void)samep;
	return -ENOSYS;
}

/* 1 for decmpfs-compressed files (their data is in an xattr). */
int
osdep_file_compressed(const struct stat *sb)
{
	return (sb->st_flags & UF_COMPRESSED) != 0;
}

/* Modification time in nanoseconds. */
int64_t
osdep_stat_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtimespec.tv_sec * 1000000000 +
	    sb->st_mtimespec.tv_nsec;
}

/* Access and modification times. */
void
osdep_stat_times(const struct stat *sb, struct timespec ts[2])
{
	ts[0] = sb->st_atimespec;
	ts[1] = sb->st_mtimespec;
}

/* ---- end of file clone primitives --------------------------------------- */

/* ---- peer credentials ---------------------------------------------------- */

/* Peer uid through getpeereid(3). */
int
osdep_peer_uid(int fd, uid_t *uidp)
{
	uid_t	uid;
	gid_t	gid;

	if (getpeereid(fd, &uid, &gid) != 0)
		return -errno;
	*uidp = uid;
	return 0;
}

/* ---- end of peer credentials --------------------------------------------- */

/* ---- durability and priority --------------------------------------------- */

/* F_FULLFSYNC, or fsync where the filesystem refuses it. */
int
osdep_full_sync(int fd)
{
	if (fcntl(fd, F_FULLFSYNC) == 0)
		return 0;
	if (errno != ENOTSUP && errno != EINVAL && errno != ENOTTY)
		return -errno;
	return fsync(fd) == 0 ? 0 : -errno;
}

/* QoS utility and the utility disk policy for this thread, or default. */
int
osdep_thread_background(int on)
{
	int	rc;

	if ((rc = pthread_set_qos_class_self_np(on ? QOS_CLASS_UTILITY :
	    QOS_CLASS_DEFAULT, 0)) != 0)
		return -rc;
	if (setiopolicy_np(IOPOL_TYPE_DISK, IOPOL_SCOPE_THREAD,
	    on ? IOPOL_UTILITY : IOPOL_DEFAULT) != 0)
		return -errno;
	return 0;
}

/* ---- end of durability and priority -------------------------------------- */
