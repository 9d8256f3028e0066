/* SPDX-License-Identifier: ISC */
/*
 * osdep_linux.c: the Linux implementation of osdep.h.
 *
 * Each section below implements the matching section of osdep.h and keeps
 * its Linux-only headers and helpers to itself.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <linux/fs.h>

#include "osdep.h"

/* ---- file clone primitives (used by dedup.c) ---------------------------- */
/*
 * FICLONE and FIDEDUPERANGE (Linux 4.5) work on btrfs and XFS with reflink;
 * ext4 and tmpfs answer EOPNOTSUPP (measured), other filesystems may say
 * EINVAL or ENOTTY, and a pair on two filesystems gives EXDEV. All of those
 * mean "this filesystem cannot share blocks here" and are reported as
 * -EOPNOTSUPP (or -EXDEV) so that callers can fall back or give up cleanly.
 */

#define OSDEP_DEDUPE_SLICE	(16ULL * 1024 * 1024)

static int
osdep_clone_errno(int e)
{
	switch (e) {
	case EOPNOTSUPP:
	case EINVAL:
	case ENOTTY:
	case ENOSYS:
		return -EOPNOTSUPP;
	default:
		return -e;
	}
}

/* Clone src_fd into a new file dst_name in dst_dirfd with FICLONE. */
int
osdep_clone_file(int src_fd, int dst_dirfd, const char *dst_name)
{
	int	fd, rc;

	fd = openat(dst_dirfd, dst_name,
	    O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1)
		return -errno;
	if (ioctl(fd, FICLONE, src_fd) == -1) {
		rc = osdep_clone_errno(errno);
		close(fd);
		(void)unlinkat(dst_dirfd, dst_name, 0);
		return rc;
	}
	if (close(fd) == -1) {
		rc = -errno;
		(void)unlinkat(dst_dirfd, dst_name, 0);
		return rc;
	}
	return 0;
}

/* Share identical ranges of dst_fd with src_fd using FIDEDUPERANGE. */
int
osdep_dedupe_file(int src_fd, int dst_fd, uint64_t len, int *samep)
{
	struct file_dedupe_range	*r;
	uint64_t			 off = 0, chunk;
	int				 rc = 0;

	r = calloc(1, sizeof(*r) + sizeof(struct file_dedupe_range_info));
	if (r == NULL)
		return -ENOMEM;
	*samep = 1;
	while (off < len) {
		chunk = len - off;
		if (chunk > OSDEP_DEDUPE_SLICE)
			chunk = OSDEP_DEDUPE_SLICE;
		memset(r, 0,
		    sizeof(*r) + sizeof(struct file_dedupe_range_info));
		r->src_offset = off;
		r->src_length = chunk;
		r->dest_count = 1;
		r->info[0].dest_fd = dst_fd;
		r->info[0].dest_offset = off;
		if (ioctl(src_fd, FIDEDUPERANGE, r) == -1) {
			rc = osdep_clone_errno(errno);
			break;
		}
		if (r->info[0].status == FILE_DEDUPE_RANGE_DIFFERS) {
			*samep = 0;
			break;
		}
		if (r->info[0].status < 0) {
			rc = osdep_clone_errno(-r->info[0].status);
			break;
		}
		/* The kernel may clamp a slice; a zero advance would spin. */
		if (r->info[0].bytes_deduped == 0) {
			rc = -EIO;
			break;
		}
		off += r->info[0].bytes_deduped;
	}
	free(r);
	return rc;
}

/* Linux filesystems have no UF_COMPRESSED equivalent that matters here. */
int
osdep_file_compressed(const struct stat *sb)
{
	(void)sb;
	return 0;
}

/* Modification time in nanoseconds. */
int64_t
osdep_stat_mtime_ns(const struct stat *sb)
{
	return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* Access and modification times. */
void
osdep_stat_times(const struct stat *sb, struct timespec ts[2])
{
	ts[0] = sb->st_atim;
	ts[1] = sb->st_mtim;
}

/* ---- end of file clone primitives --------------------------------------- */

/* ---- peer credentials ---------------------------------------------------- */

/* Peer uid through SO_PEERCRED. */
int
osdep_peer_uid(int fd, uid_t *uidp)
{
	struct ucred	cr;
	socklen_t	len = sizeof(cr);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) != 0)
		return -errno;
	*uidp = cr.uid;
	return 0;
}

/* ---- end of peer credentials --------------------------------------------- */

/* ---- durability and priority --------------------------------------------- */
/*
 * ioprio_set(2) has no glibc wrapper; who 0 with IOPRIO_WHO_PROCESS is the
 * calling thread. Class "none" (0) means "derived from the nice value", the
 * default. Leaving SCHED_BATCH for SCHED_OTHER needs no privilege.
 */
#define OSDEP_IOPRIO_WHO_PROCESS	1
#define OSDEP_IOPRIO_CLASS_BE		2
#define OSDEP_IOPRIO_CLASS_SHIFT	13

/* fsync: on Linux it reaches stable storage (with barriers). */
int
osdep_full_sync(int fd)
{
	return fsync(fd) == 0 ? 0 : -errno;
}

/* SCHED_BATCH and best-effort I/O priority 7, or the defaults. */
int
osdep_thread_background(int on)
{
	struct sched_param	sp = { 0 };
	int			prio = on ? (OSDEP_IOPRIO_CLASS_BE <<
				    OSDEP_IOPRIO_CLASS_SHIFT) | 7 : 0;

	if (syscall(SYS_ioprio_set, OSDEP_IOPRIO_WHO_PROCESS, 0, prio) != 0)
		return -errno;
	if (sched_setscheduler(0, on ? SCHED_BATCH : SCHED_OTHER, &sp) != 0)
		return -errno;
	return 0;
}

/* ---- end of durability and priority -------------------------------------- */
