/* SPDX-License-Identifier: ISC */
/*
 * dedup_replace.c: the steps that make one duplicate share the kept copy's
 * storage without ever losing a byte.
 *
 * In place (Linux FIDEDUPERANGE): the kernel compares each range and shares
 * only identical ones; the target keeps its inode, names and metadata.
 * Otherwise: verify the bytes equal, create the clone, hard link or symlink
 * at a temp name in the target's own directory, give a clone the target's
 * mode, owner and times, fsync it and the directory, re-check both files,
 * rename over the target, fsync the directory. Every step is journaled in
 * cache_ops before it is done (dedup_recover.c reads the journal after a
 * crash); opts->test_stop_after stops after a given step to test that.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dedup.h"
#include "dedup_int.h"
#include "log.h"
#include "modelstore.h"
#include "osdep.h"
#include "store.h"
#include "store_cache.h"
#include "xmalloc.h"

#define DEDUP_TEMP_BASE_MAX	200	/* bytes of the target's name kept */

/* 1 if sb is the indexed file m (dev, inode, size, mtime). */
int
dedup_same_identity(const struct stat *sb, const struct dedup_member *m,
    uint64_t size)
{
	return (uint64_t)sb->st_dev == m->dev && (uint64_t)sb->st_ino ==
	    m->ino && (uint64_t)sb->st_size == size &&
	    osdep_stat_mtime_ns(sb) == m->mtime_ns;
}

/*
 * Count a journal step; with opts->test_stop_after, pretend the process died
 * right here (files and journal are left exactly as they are).
 */
static int
step(struct dedup_applier *a)
{
	if (++a->steps == a->o->test_stop_after) {
		a->crashed = 1;
		return -EINTR;
	}
	return 0;
}

static int
journal(struct dedup_applier *a, struct dedup_op *op, enum dedup_op_state state)
{
	int	rc;

	op->state = state;
	if ((rc = store_cache_op_update(a->st, op)) != 0)
		a->dberr = rc;
	return rc;
}

static int
journal_insert(struct dedup_applier *a, struct dedup_op *op)
{
	int	rc;

	if ((rc = store_cache_op_insert(a->st, op, &op->id)) != 0)
		a->dberr = rc;
	return rc;
}

/* Compare the keeper and the target byte for byte. */
int
dedup_verify_bytes(struct dedup_applier *a, struct dedup_keeper *k,
    struct dedup_target *t)
{
	struct stat	sb;
	uint64_t	off = 0, size = t->g->size;
	ssize_t		n0, n1;
	size_t		want;
	int		fd, rc = 0;

	if ((fd = openat(t->dirfd, t->base, O_RDONLY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, &sb) != 0 || !dedup_same_identity(&sb, t->m, size)) {
		close(fd);
		return -ESTALE;
	}
	while (off < size) {
		if (dedup_cancelled(&a->pr)) {
			rc = -ECANCELED;
			break;
		}
		want = size - off < DEDUP_IO_SIZE ? (size_t)(size - off) :
		    DEDUP_IO_SIZE;
		n0 = pread(k->fd, a->buf[0], want, (off_t)off);
		n1 = pread(fd, a->buf[1], want, (off_t)off);
		if (n0 < 0 || n1 < 0) {
			rc = -errno;
			break;
		}
		if (n0 != (ssize_t)want || n1 != (ssize_t)want) {
			rc = -ESTALE;
			break;
		}
		if (memcmp(a->buf[0], a->buf[1], want) != 0) {
			rc = DEDUP_EDIFFERS;
			break;
		}
		off += want;
		a->pr.p.bytes_read += 2 * (uint64_t)want;
		a->pr.p.bytes_done += want;
		dedup_prog_update(&a->pr, t->m->path, 0);
	}
	close(fd);
	if (rc == 0) {
		a->pr.p.files_compared++;
		t->verified = 1;
	}
	return rc;
}

/* Both files still what was verified: same identity, same size and times. */
static int
check_unchanged(const struct dedup_keeper *k, const struct dedup_target *t)
{
	struct stat	sb;

	if (fstatat(t->dirfd, t->base, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return -errno;
	if (!S_ISREG(sb.st_mode) || !dedup_same_identity(&sb, t->m, t->g->size))
		return -ESTALE;
	if (fstat(k->fd, &sb) != 0 || !dedup_same_identity(&sb, k->m,
	    t->g->size))
		return -ESTALE;
	if (stat(k->m->path, &sb) != 0 || (uint64_t)sb.st_ino != k->m->ino ||
	    (uint64_t)sb.st_dev != k->m->dev)
		return -ESTALE;
	return 0;
}

static void
op_init(struct dedup_op *op, enum dedup_op_kind kind,
    const struct dedup_keeper *k,
    const struct dedup_target *t)
{
	memset(op, 0, sizeof(*op));
	op->kind = kind;
	op->state = DEDUP_OP_PLANNED;
	op->target = t->m->path;
	op->source = k->m->path;
	op->target_dev = t->m->dev;
	op->target_ino = t->m->ino;
	op->size = t->g->size;
	op->mtime_ns = t->m->mtime_ns;
	memcpy(op->sha256, t->g->sha256, sizeof(op->sha256));
	op->source_dev = k->m->dev;
	op->source_ino = k->m->ino;
	op->bytes = t->bytes;
}

/* Mark op rolled back with a reason; keeps rc as the caller's result. */
static int
op_abandon(struct dedup_applier *a, struct dedup_op *op, int rc,
    const char *why)
{
	int	jrc;

	free(op->error);
	op->error = xstrdup(why != NULL ? why : strerror(-rc));
	if ((jrc = journal(a, op, DEDUP_OP_ROLLED_BACK)) != 0) {
		log_warnx("dedup: %s: cannot journal the rollback; recovery "
		    "will finish it", op->target);
		return jrc;
	}
	return rc;
}

/*
 * Share the target's blocks with the keeper in place (Linux FIDEDUPERANGE):
 * the kernel compares every range and shares only identical ones, so the
 * target keeps its inode, names and metadata and never changes content.
 */
int
dedup_replace_inplace(struct dedup_applier *a, struct dedup_keeper *k,
    struct dedup_target *t)
{
	struct dedup_op	op;
	struct stat	sb;
	int		fd, rc, same = 0;

	if ((fd = openat(t->dirfd, t->base, O_RDWR | O_NOFOLLOW |
	    O_CLOEXEC)) == -1 && (errno == EACCES || errno == EPERM ||
	    errno == ETXTBSY || errno == EROFS))
		fd = openat(t->dirfd, t->base, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &sb) != 0 || !dedup_same_identity(&sb, t->m,
	    t->g->size)) {
		close(fd);
		return -ESTALE;
	}
	op_init(&op, DEDUP_OP_DEDUPE, k, t);
	if ((rc = journal_insert(a, &op)) != 0)
		goto out;
	t->act->op_id = op.id;
	if ((rc = step(a)) != 0)
		goto out;
	rc = osdep_dedupe_file(k->fd, fd, t->g->size, &same);
	if (rc == 0 && (rc = step(a)) != 0)
		goto out;
	if (rc != 0) {
		rc = op_abandon(a, &op, rc, rc == -ENOSYS ?
		    "no in-kernel dedupe on this platform" : NULL);
		goto out;
	}
	if (!same) {
		rc = op_abandon(a, &op, DEDUP_EDIFFERS, "contents differ");
		goto out;
	}
	if (fstat(fd, &sb) != 0) {
		rc = op_abandon(a, &op, -errno, NULL);
		goto out;
	}
	op.result_dev = (uint64_t)sb.st_dev;
	op.result_ino = (uint64_t)sb.st_ino;
	op.result_mtime_ns = osdep_stat_mtime_ns(&sb);
	op.bytes = t->m->blocks;
	t->bytes = op.bytes;
	if ((rc = journal(a, &op, DEDUP_OP_DONE)) == 0)
		rc = step(a);
out:
	free(op.error);
	close(fd);
	return rc;
}

/*
 * Replace the target by a clone, hard link or symlink of the keeper made at
 * a temp name beside it, then renamed over it. Journal steps: 1 planned,
 * 2 temp_created (written before the temp exists), 3 temp made, 4 temp and
 * directory synced, 5 renamed (written before the rename), 6 rename, 7
 * directory synced, 8 done.
 */
int
dedup_replace_temp(struct dedup_applier *a, struct dedup_keeper *k,
    struct dedup_target *t, enum dedup_method method)
{
	static const enum dedup_op_kind kinds[] = {
		DEDUP_OP_CLONE, DEDUP_OP_HARDLINK, DEDUP_OP_SYMLINK,
	};
	struct dedup_op		op;
	struct stat		sb;
	struct timespec		ts[2];
	char			tmp[NAME_MAX + 1];
	int			tfd = -1, created = 0, rc;

	op_init(&op, kinds[method], k, t);
	if ((rc = journal_insert(a, &op)) != 0)
		return rc;
	t->act->op_id = op.id;
	if ((rc = step(a)) != 0)
		goto out;
	snprintf(tmp, sizeof(tmp), ".%.*s.mlxd-tmp-%ld-%lld",
	    DEDUP_TEMP_BASE_MAX, t->base, a->pid, (long long)op.id);
	op.temp = xasprintf("%s/%s", t->dir, tmp);
	if ((rc = journal(a, &op, DEDUP_OP_TEMP_CREATED)) != 0)
		goto undo;
	if ((rc = step(a)) != 0)
		goto out;

	switch (method) {
	case DEDUP_CLONE:
		rc = osdep_clone_file(k->fd, t->dirfd, tmp);
		break;
	case DEDUP_HARDLINK:
		rc = linkat(AT_FDCWD, k->m->path, t->dirfd, tmp, 0) == 0 ? 0 :
		    -errno;
		break;
	case DEDUP_SYMLINK:
		rc = symlinkat(k->m->path, t->dirfd, tmp) == 0 ? 0 : -errno;
		break;
	}
	if (rc != 0)
		goto undo;
	created = 1;
	if ((rc = step(a)) != 0)
		goto out;

	/* The new name must be the verified keeper, with the target's looks. */
	osdep_stat_times(&t->sb, ts);
	if (method == DEDUP_CLONE) {
		if ((tfd = openat(t->dirfd, tmp, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1 ||
		    fchmod(tfd, t->sb.st_mode & 07777) != 0 ||
		    (fchown(tfd, t->sb.st_uid, t->sb.st_gid) != 0 &&
		    errno != EPERM) ||
		    futimens(tfd, ts) != 0 || osdep_full_sync(tfd) != 0 ||
		    fstat(tfd, &sb) != 0) {
			rc = -errno;
			goto undo;
		}
		if ((uint64_t)sb.st_size != t->g->size) {
			rc = -EIO;
			goto undo;
		}
	} else {
		if (method == DEDUP_SYMLINK) {
			(void)fchownat(t->dirfd, tmp, t->sb.st_uid,
			    t->sb.st_gid, AT_SYMLINK_NOFOLLOW);
			(void)utimensat(t->dirfd, tmp, ts, AT_SYMLINK_NOFOLLOW);
		}
		/* Follows the symlink; a hard link is the inode itself. */
		if (fstatat(t->dirfd, tmp, &sb, 0) != 0) {
			rc = -errno;
			goto undo;
		}
		if (sb.st_dev != k->sb.st_dev || sb.st_ino != k->sb.st_ino) {
			rc = -ESTALE;
			goto undo;
		}
	}
	if (osdep_full_sync(t->dirfd) != 0) {
		rc = -errno;
		goto undo;
	}
	if ((rc = step(a)) != 0)
		goto out;

	if ((rc = check_unchanged(k, t)) != 0 ||
	    (rc = journal(a, &op, DEDUP_OP_RENAMED)) != 0)
		goto undo;
	if ((rc = step(a)) != 0)
		goto out;
	if (renameat(t->dirfd, tmp, t->dirfd, t->base) != 0) {
		rc = -errno;
		goto undo;
	}
	created = 0;
	if ((rc = step(a)) != 0)
		goto out;
	/* rename(2) between two names of one inode does nothing. */
	if (fstatat(t->dirfd, tmp, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		(void)unlinkat(t->dirfd, tmp, 0);
	if (osdep_full_sync(t->dirfd) != 0)
		log_warn("dedup: fsync %s", t->dir);
	if ((rc = step(a)) != 0)
		goto out;
	if (fstatat(t->dirfd, t->base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		op.result_dev = (uint64_t)sb.st_dev;
		op.result_ino = (uint64_t)sb.st_ino;
		op.result_mtime_ns = osdep_stat_mtime_ns(&sb);
	}
	/* If this journal write fails, recovery completes the op. */
	if ((rc = journal(a, &op, DEDUP_OP_DONE)) == 0)
		rc = step(a);
	goto out;
undo:
	if (created) {
		(void)unlinkat(t->dirfd, tmp, 0);
		(void)osdep_full_sync(t->dirfd);
	}
	rc = op_abandon(a, &op, rc, NULL);
out:
	if (tfd != -1)
		close(tfd);
	free(op.temp);
	free(op.error);
	return rc;
}
