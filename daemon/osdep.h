/* SPDX-License-Identifier: ISC */
/*
 * osdep.h: the small interface to platform code. Exactly one of
 * osdep_darwin.c, osdep_linux.c or osdep_none.c is built (daemon/meson.build
 * picks it by host system); everything else in the daemon is portable C and
 * calls only the functions declared here. Each group of functions sits in its
 * own delimited section, in this header and in every osdep_*.c file.
 */
#ifndef MLXD_OSDEP_H
#define MLXD_OSDEP_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stdint.h>
#include <time.h>

/* ---- file clone primitives (used by dedup.c) ---------------------------- */

/*
 * Create dst_name in the directory dst_dirfd as a copy-on-write clone of the
 * open regular file src_fd: a new inode sharing src's data blocks (FICLONE on
 * Linux btrfs/XFS, fclonefileat(2) on APFS). dst_name must not exist; it is
 * created with mode 0600 on Linux and with src's attributes on macOS, and the
 * caller sets mode, owner and times afterwards. Nothing is left behind on
 * failure. Returns 0, -EOPNOTSUPP when the filesystem cannot clone, -EXDEV
 * across filesystems, -EEXIST, or another negative errno.
 */
int	osdep_clone_file(int src_fd, int dst_dirfd, const char *dst_name);

/*
 * Ask the kernel to share the first len bytes of dst_fd with src_fd only
 * where the bytes are identical (Linux FIDEDUPERANGE, looped in 16 MiB
 * slices). dst keeps its inode, names, owner, mode and times; its content is
 * never changed. On return 0, *samep is 1 when every slice was identical and
 * is now shared, 0 when the kernel found a difference (slices before it may
 * already be shared, which changes no byte). Returns -EOPNOTSUPP where the
 * filesystem cannot do this, -ENOSYS where the platform has no such call
 * (callers then verify bytes themselves and clone), or another -errno.
 */
int	osdep_dedupe_file(int src_fd, int dst_fd, uint64_t len, int *samep);

/*
 * 1 if the file described by sb is transparently compressed by the
 * filesystem (APFS/HFS+ decmpfs, UF_COMPRESSED): its data lives in an xattr,
 * cloning it shares nothing and copying its flags has lost data in other
 * tools. 0 elsewhere.
 */
int	osdep_file_compressed(const struct stat *sb);

/* Modification time in nanoseconds since the epoch (st_mtim / st_mtimespec). */
int64_t	osdep_stat_mtime_ns(const struct stat *sb);

/* Access and modification times of sb, in the form futimens(2) takes. */
void	osdep_stat_times(const struct stat *sb, struct timespec ts[2]);

/* ---- end of file clone primitives --------------------------------------- */

/* ---- peer credentials (used by http.c) ---------------------------------- */

/*
 * The effective uid of the process at the other end of the connected Unix
 * socket fd (SO_PEERCRED on Linux, getpeereid(3) on macOS/BSD).
 * Returns 0, -ENOTSUP where the platform cannot tell, or another -errno.
 */
int	osdep_peer_uid(int fd, uid_t *uidp);

/* ---- end of peer credentials -------------------------------------------- */

/* ---- durability and priority (used by the model cache) ------------------ */

/*
 * Flush fd (a file or a directory) to stable storage. On macOS fsync(2)
 * only hands the data to the drive, whose cache may lose it at power loss:
 * this uses fcntl(F_FULLFSYNC), falling back to fsync where the filesystem
 * does not support it. fsync elsewhere. Returns 0 or -errno (errno is set
 * too).
 */
int	osdep_full_sync(int fd);

/*
 * Lower (on != 0) or restore (on == 0) the calling thread's CPU and I/O
 * priority for bulk background work such as hashing and deduplicating
 * model files, so that the daemon process itself can run at normal
 * priority. macOS: QoS class utility and the utility I/O policy; Linux:
 * SCHED_BATCH and best-effort I/O priority 7. A thread-pool thread must
 * restore before it returns. Returns 0 or -errno.
 */
int	osdep_thread_background(int on);

/* ---- end of durability and priority ------------------------------------- */

#endif
