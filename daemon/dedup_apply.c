/* SPDX-License-Identifier: ISC */
/*
 * dedup_apply.c: replacing duplicate model files by clones or links, and
 * finishing or undoing replacements a crash interrupted.
 *
 * Safety rules (docs/cache.md): a target is replaced only if it and the kept
 * copy are unchanged since indexing (dev, inode, size, mtime), after its
 * bytes were verified equal (in the kernel with FIDEDUPERANGE, which keeps
 * the target's inode; otherwise by a full compare), through a temp name in
 * the target's own directory, fsync, an atomic rename, and fsync of the
 * directory. Every step is journaled in cache_ops (synchronous=FULL) before
 * it is done, so dedup_recover() knows what may have happened. Nothing is
 * done to unfinished downloads, compressed files, HF's shared blob store,
 * files outside the stores, or directories with a download in progress;
 * symlinks never go into Ollama's or Hugging Face's blobs, and hard links
 * only join store blobs unless the caller opts in.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
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

#define DEDUP_BUSY_WINDOW_S	600	/* a partial file this fresh = a download */
#define DEDUP_TEMP_BASE_MAX	200	/* bytes of the target name kept in the temp */
#define DEDUP_EDIFFERS		(-EILSEQ)	/* internal: bytes differ */

struct unsup {
	uint64_t		 dev;
	enum dedup_method	 method;
	int			 err;
};

struct busydir {
	char			*dir;
	int			 busy;
};

struct applier {
	struct store			*st;
	const struct dedup_options	*o;
	struct dedup_prog		 pr;
	struct dedup_result		*res;
	unsigned			 steps;
	int				 crashed;
	int				 no_inplace;	/* platform lacks FIDEDUPERANGE */
	int				 dberr;		/* a journal write failed: stop */
	long				 pid;
	struct unsup			*unsup;
	size_t				 nunsup;
	struct busydir			*busy;
	size_t				 nbusy;
	uint64_t			*deduped;	/* dev, ino pairs done in place */
	size_t				 ndeduped;
	unsigned char			*buf[2];
};

/* The copy that stays: open, identity checked against the index. */
struct keeper {
	const struct dedup_member	*m;
	int				 fd;
	struct stat			 sb;
};

struct target {
	const struct dedup_group	*g;
	const struct dedup_member	*m;
	struct dedup_action		*act;
	struct stat			 sb;	/* lstat when we started */
	char				*dir;
	const char			*base;
	int				 dirfd;
	int				 lockfd;
	int				 verified;
	uint64_t			 bytes;	/* freed by replacing it */
};

/*
 * Count a journal step; with opts->test_stop_after, pretend the process died
 * right here (files and journal are left exactly as they are).
 */
static int
step(struct applier *a)
{
	if (++a->steps == a->o->test_stop_after) {
		a->crashed = 1;
		return -EINTR;
	}
	return 0;
}

static int
journal(struct applier *a, struct dedup_op *op, enum dedup_op_state state)
{
	int	rc;

	op->state = state;
	if ((rc = store_cache_op_update(a->st, op)) != 0)
		a->dberr = rc;
	return rc;
}

static int
journal_insert(struct applier *a, struct dedup_op *op)
{
	int	rc;

	if ((rc = store_cache_op_insert(a->st, op, &op->id)) != 0)
		a->dberr = rc;
	return rc;
}

static int
same_identity(const struct stat *sb, const struct dedup_member *m,
    uint64_t size)
{
	return (uint64_t)sb->st_dev == m->dev && (uint64_t)sb->st_ino ==
	    m->ino && (uint64_t)sb->st_size == size &&
	    osdep_stat_mtime_ns(sb) == m->mtime_ns;
}

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static struct dedup_action *
add_action(struct applier *a, const char *target, const char *keeper)
{
	struct dedup_result	*r = a->res;
	struct dedup_action	*act;

	r->actions = xreallocarray(r->actions, r->nactions + 1,
	    sizeof(*r->actions));
	act = &r->actions[r->nactions++];
	memset(act, 0, sizeof(*act));
	act->target = xstrdup(target);
	act->keeper = xstrdup(keeper != NULL ? keeper : "");
	act->reason = xstrdup("");
	return act;
}

static void action_set(struct dedup_action *, enum dedup_outcome, int,
    const char *, ...) __attribute__((format(printf, 4, 5)));

static void
action_set(struct dedup_action *act, enum dedup_outcome outcome, int err,
    const char *fmt, ...)
{
	char	buf[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	act->outcome = outcome;
	act->err = err;
	free(act->reason);
	act->reason = xstrdup(buf);
}

/*
 * What method may do to a file of role t, keeping a file of role k; NULL if
 * allowed, else why not.
 */
static const char *
policy(const struct dedup_options *o, enum dedup_method method,
    enum modelstore_role t, enum modelstore_role k)
{
	int	tblob, kblob;

	tblob = t == MODELSTORE_ROLE_OLLAMA_BLOB || t == MODELSTORE_ROLE_HF_BLOB;
	kblob = k == MODELSTORE_ROLE_OLLAMA_BLOB ||
	    k == MODELSTORE_ROLE_HF_BLOB || k == MODELSTORE_ROLE_HF_SHARED;
	switch (method) {
	case DEDUP_CLONE:
		return NULL;
	case DEDUP_HARDLINK:
		if ((tblob && kblob) || o->link_user_files)
			return NULL;
		return "hard links only join store blobs (an edit to a user "
		    "file would change the kept copy too)";
	case DEDUP_SYMLINK:
		if (t == MODELSTORE_ROLE_OLLAMA_BLOB)
			return "no symlinks in Ollama's blobs/";
		if (t == MODELSTORE_ROLE_HF_BLOB)
			return "no symlinks in the Hugging Face cache (its "
			    "deletions follow links)";
		return NULL;
	}
	return "unknown method";
}

static int
is_unsupported(int rc)
{
	return rc == -EOPNOTSUPP || rc == -ENOTSUP || rc == -EXDEV ||
	    rc == -EPERM || rc == -EACCES || rc == -EROFS || rc == -EMLINK ||
	    rc == -EINVAL;
}

static const struct unsup *
unsup_find(const struct applier *a, uint64_t dev, enum dedup_method method)
{
	size_t	i;

	for (i = 0; i < a->nunsup; i++)
		if (a->unsup[i].dev == dev && a->unsup[i].method == method)
			return &a->unsup[i];
	return NULL;
}

static void
unsup_add(struct applier *a, uint64_t dev, enum dedup_method method, int err)
{
	if (err != -EOPNOTSUPP && err != -ENOTSUP)
		return;		/* only filesystem capability is remembered */
	a->unsup = xreallocarray(a->unsup, a->nunsup + 1, sizeof(*a->unsup));
	a->unsup[a->nunsup].dev = dev;
	a->unsup[a->nunsup].method = method;
	a->unsup[a->nunsup].err = err;
	a->nunsup++;
}

/*
 * 1 if dir holds a partial download touched in the last few minutes (an
 * Ollama pull or HF download in progress there), cached per run.
 */
static int
dir_busy(struct applier *a, const char *dir)
{
	DIR		*d;
	struct dirent	*de;
	struct stat	 sb;
	size_t		 i;
	int		 busy = 0;
	time_t		 now = time(NULL);

	for (i = 0; i < a->nbusy; i++)
		if (strcmp(a->busy[i].dir, dir) == 0)
			return a->busy[i].busy;
	if ((d = opendir(dir)) != NULL) {
		while (!busy && (de = readdir(d)) != NULL) {
			if (!modelstore_is_partial(de->d_name))
				continue;
			if (fstatat(dirfd(d), de->d_name, &sb,
			    AT_SYMLINK_NOFOLLOW) == 0 &&
			    osdep_stat_mtime_ns(&sb) / 1000000000 >
			    (int64_t)now - DEDUP_BUSY_WINDOW_S)
				busy = 1;
		}
		closedir(d);
	}
	a->busy = xreallocarray(a->busy, a->nbusy + 1, sizeof(*a->busy));
	a->busy[a->nbusy].dir = xstrdup(dir);
	a->busy[a->nbusy].busy = busy;
	a->nbusy++;
	return busy;
}

/*
 * Take huggingface_hub's per-blob download lock for an HF blob target
 * (<hub>/.locks/<repo>/<etag>.lock), if the cache has a lock directory.
 * Returns 0 (fd in *fdp, or -1 when there is no lock dir), -EBUSY when a
 * download holds it, or -errno.
 */
static int
hf_lock(const struct target *t, int *fdp)
{
	const char	*p, *repo, *slash;
	char		*lockdir = NULL, *lock = NULL;
	int		 fd, rc = 0;

	*fdp = -1;
	if (t->m->role != MODELSTORE_ROLE_HF_BLOB ||
	    (p = strstr(t->m->path, "/models--")) == NULL)
		return 0;
	repo = p + 1;
	if ((slash = strchr(repo, '/')) == NULL ||
	    strncmp(slash, "/blobs/", 7) != 0)
		return 0;
	lockdir = xasprintf("%.*s/.locks/%.*s", (int)(p - t->m->path),
	    t->m->path, (int)(slash - repo), repo);
	if (access(lockdir, W_OK) != 0)
		goto out;
	lock = xasprintf("%s/%s.lock", lockdir, slash + 7);
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0664)) == -1) {
		rc = -errno;
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EBUSY : -errno;
		close(fd);
		goto out;
	}
	*fdp = fd;
out:
	free(lockdir);
	free(lock);
	return rc;
}

/* Compare the keeper and the target byte for byte. */
static int
verify_bytes(struct applier *a, struct keeper *k, struct target *t)
{
	struct stat	sb;
	uint64_t	off = 0, size = t->g->size;
	ssize_t		n0, n1;
	size_t		want;
	int		fd, rc = 0;

	if ((fd = open(t->m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -errno;
	if (fstat(fd, &sb) != 0 || !same_identity(&sb, t->m, size)) {
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
check_unchanged(const struct keeper *k, const struct target *t)
{
	struct stat	sb;

	if (lstat(t->m->path, &sb) != 0)
		return -errno;
	if (!S_ISREG(sb.st_mode) || !same_identity(&sb, t->m, t->g->size))
		return -ESTALE;
	if (fstat(k->fd, &sb) != 0 || !same_identity(&sb, k->m, t->g->size))
		return -ESTALE;
	if (stat(k->m->path, &sb) != 0 || (uint64_t)sb.st_ino != k->m->ino ||
	    (uint64_t)sb.st_dev != k->m->dev)
		return -ESTALE;
	return 0;
}

static void
op_init(struct dedup_op *op, enum dedup_op_kind kind, const struct keeper *k,
    const struct target *t)
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
op_abandon(struct applier *a, struct dedup_op *op, int rc, const char *why)
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
static int
replace_inplace(struct applier *a, struct keeper *k, struct target *t)
{
	struct dedup_op	op;
	struct stat	sb;
	int		fd, rc, same = 0;

	if ((fd = open(t->m->path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)) == -1 &&
	    (errno == EACCES || errno == EPERM || errno == ETXTBSY ||
	    errno == EROFS))
		fd = open(t->m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return -errno;
	if (fstat(fd, &sb) != 0 || !same_identity(&sb, t->m, t->g->size)) {
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
static int
replace_via_temp(struct applier *a, struct keeper *k, struct target *t,
    enum dedup_method method)
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

	/* The new name must be the verified keeper; give it the target's looks. */
	osdep_stat_times(&t->sb, ts);
	if (method == DEDUP_CLONE) {
		if ((tfd = openat(t->dirfd, tmp, O_RDONLY | O_NOFOLLOW |
		    O_CLOEXEC)) == -1 ||
		    fchmod(tfd, t->sb.st_mode & 07777) != 0 ||
		    (fchown(tfd, t->sb.st_uid, t->sb.st_gid) != 0 &&
		    errno != EPERM) ||
		    futimens(tfd, ts) != 0 || fsync(tfd) != 0 ||
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
	if (fsync(t->dirfd) != 0) {
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
	if (fsync(t->dirfd) != 0)
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
		(void)fsync(t->dirfd);
	}
	rc = op_abandon(a, &op, rc, NULL);
out:
	if (tfd != -1)
		close(tfd);
	free(op.temp);
	free(op.error);
	return rc;
}

static int
deduped_before(const struct applier *a, const struct dedup_member *m)
{
	size_t	i;

	for (i = 0; i < a->ndeduped; i++)
		if (a->deduped[2 * i] == m->dev && a->deduped[2 * i + 1] ==
		    m->ino)
			return 1;
	return 0;
}

static void
deduped_add(struct applier *a, const struct dedup_member *m)
{
	a->deduped = xreallocarray(a->deduped, 2 * (a->ndeduped + 1),
	    sizeof(*a->deduped));
	a->deduped[2 * a->ndeduped] = m->dev;
	a->deduped[2 * a->ndeduped + 1] = m->ino;
	a->ndeduped++;
}

static void
append(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
append(char *buf, size_t len, const char *fmt, ...)
{
	size_t	used = strlen(buf);
	va_list	ap;

	if (used + 3 >= len)
		return;
	if (used > 0) {
		memcpy(buf + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/*
 * Try the caller's methods on one target. Returns 0 (the action says what
 * happened), or -EINTR (simulated crash), -ECANCELED, or a database error
 * that stops the run.
 */
static int
try_methods(struct applier *a, struct keeper *k, struct target *t)
{
	const struct dedup_options	*o = a->o;
	const struct unsup		*u;
	enum dedup_method		 method;
	const char			*why;
	char				 reasons[1024] = "";
	size_t				 i;
	int				 rc, unsupported = 0, first_err = 0;

	for (i = 0; i < o->nmethods; i++) {
		method = o->methods[i];
		if ((why = policy(o, method, t->m->role, k->m->role)) != NULL) {
			append(reasons, sizeof(reasons), "%s: %s",
			    dedup_method_name(method), why);
			continue;
		}
		if (method != DEDUP_SYMLINK && t->m->dev != k->m->dev) {
			append(reasons, sizeof(reasons), "%s: the copies are "
			    "on different filesystems",
			    dedup_method_name(method));
			unsupported = 1;
			first_err = first_err != 0 ? first_err : -EXDEV;
			continue;
		}
		if ((u = unsup_find(a, t->m->dev, method)) != NULL) {
			append(reasons, sizeof(reasons), "%s: not supported "
			    "by this filesystem (%s)",
			    dedup_method_name(method), strerror(-u->err));
			unsupported = 1;
			first_err = first_err != 0 ? first_err : u->err;
			continue;
		}
		if (o->dry_run) {
			t->act->method = method;
			t->act->bytes = t->bytes;
			action_set(t->act, DEDUP_OUTCOME_PLANNED, 0,
			    "would %s", dedup_method_name(method));
			return 0;
		}
		rc = -ENOSYS;
		if (method == DEDUP_CLONE && !a->no_inplace) {
			rc = replace_inplace(a, k, t);
			if (rc == 0) {
				deduped_add(a, t->m);
				goto done;
			}
			if (a->crashed || a->dberr != 0)
				goto result;
			if (rc == -ENOSYS)
				a->no_inplace = 1;
			else if (rc == -EOPNOTSUPP || rc == -ENOTSUP ||
			    rc == -EXDEV || rc == -EINVAL) {
				/* FICLONE needs the same capability: skip it. */
				unsup_add(a, t->m->dev, method, rc);
				goto unsupported;
			} else if (rc != -EACCES && rc != -EPERM &&
			    rc != -ETXTBSY && rc != -EROFS)
				goto result;
		}
		if (!t->verified && (rc = verify_bytes(a, k, t)) != 0)
			goto result;
		rc = replace_via_temp(a, k, t, method);
		if (rc == 0)
			goto done;
		if (a->crashed || a->dberr != 0 || !is_unsupported(rc))
			goto result;
		unsup_add(a, t->m->dev, method, rc);
unsupported:
		append(reasons, sizeof(reasons), "%s: %s",
		    dedup_method_name(method), rc == -EOPNOTSUPP ||
		    rc == -ENOTSUP ? "not supported by this filesystem" :
		    strerror(-rc));
		unsupported = 1;
		first_err = first_err != 0 ? first_err : rc;
	}
	if (unsupported)
		action_set(t->act, DEDUP_OUTCOME_UNSUPPORTED, first_err,
		    "no allowed method works here: %s", reasons);
	else
		action_set(t->act, DEDUP_OUTCOME_SKIPPED, 0,
		    "no allowed method: %s", reasons);
	return 0;
done:
	t->act->method = method;
	t->act->bytes = t->bytes;
	action_set(t->act, DEDUP_OUTCOME_DONE, 0, "%s",
	    dedup_method_name(method));
	return 0;
result:
	if (a->crashed)
		return rc;
	if (a->dberr != 0) {
		action_set(t->act, DEDUP_OUTCOME_FAILED, a->dberr, "cannot "
		    "write the journal: %s", strerror(-a->dberr));
		return a->dberr;
	}
	switch (rc) {
	case DEDUP_EDIFFERS:
		action_set(t->act, DEDUP_OUTCOME_DIFFERS, 0, "contents differ "
		    "from %s; left alone", k->m->path);
		return 0;
	case -ESTALE:
	case -ENOENT:
		action_set(t->act, DEDUP_OUTCOME_SKIPPED, rc, "changed since "
		    "indexing; rescan first");
		return 0;
	case -ECANCELED:
		action_set(t->act, DEDUP_OUTCOME_SKIPPED, rc, "cancelled");
		return rc;
	default:
		break;
	}
	/* A file error fails this target only; the file is unchanged. */
	action_set(t->act, DEDUP_OUTCOME_FAILED, rc, "%s", strerror(-rc));
	return 0;
}

/* Checks that do not depend on the method, then try_methods. */
static int
process_target(struct applier *a, const struct dedup_group *g,
    struct keeper *k, const struct dedup_member *m, uint64_t bytes)
{
	struct target	t;
	const char	*slash;
	int		rc = 0;

	memset(&t, 0, sizeof(t));
	t.g = g;
	t.m = m;
	t.dirfd = -1;
	t.lockfd = -1;
	t.bytes = bytes;
	t.act = add_action(a, m->path, k->m->path);
	a->pr.p.files_done++;
	dedup_prog_update(&a->pr, m->path, 0);

	if (m->role == MODELSTORE_ROLE_HF_SHARED) {
		action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "in Hugging Face's "
		    "shared blob store, which manages its own sharing");
		goto out;
	}
	if (m->role == MODELSTORE_ROLE_EXTERNAL) {
		action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "outside every "
		    "model store (reached through a symlink)");
		goto out;
	}
	if (modelstore_is_partial(base_name(m->path)) ||
	    modelstore_is_temp(base_name(m->path))) {
		action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "unfinished "
		    "download or temporary file");
		goto out;
	}
	if (lstat(m->path, &t.sb) != 0 || !S_ISREG(t.sb.st_mode) ||
	    !same_identity(&t.sb, m, g->size)) {
		action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "changed since "
		    "indexing; rescan first");
		goto out;
	}
	if (osdep_file_compressed(&t.sb)) {
		action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "compressed by "
		    "the filesystem; sharing it saves nothing");
		goto out;
	}
	slash = strrchr(m->path, '/');
	t.dir = slash == m->path ? xstrdup("/") :
	    xstrndup(m->path, (size_t)(slash - m->path));
	t.base = slash + 1;
	if ((m->role == MODELSTORE_ROLE_OLLAMA_BLOB ||
	    m->role == MODELSTORE_ROLE_HF_BLOB) && dir_busy(a, t.dir)) {
		action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "a download is in "
		    "progress in this directory");
		goto out;
	}
	if (!a->o->dry_run) {
		if ((rc = hf_lock(&t, &t.lockfd)) != 0) {
			action_set(t.act, DEDUP_OUTCOME_SKIPPED, rc, "%s",
			    rc == -EBUSY ? "locked by a Hugging Face download" :
			    strerror(-rc));
			rc = 0;
			goto out;
		}
		if ((t.dirfd = open(t.dir, O_RDONLY | O_DIRECTORY |
		    O_CLOEXEC)) == -1) {
			action_set(t.act, DEDUP_OUTCOME_FAILED, -errno,
			    "cannot open its directory: %s", strerror(errno));
			goto out;
		}
	}
	rc = try_methods(a, k, &t);
out:
	if (t.dirfd != -1)
		close(t.dirfd);
	if (t.lockfd != -1)
		close(t.lockfd);
	free(t.dir);
	return rc;
}

/* Pick the best member that is unchanged since indexing and open it. */
static int
open_keeper(const struct dedup_group *g, struct keeper *k)
{
	const struct dedup_member	*m;
	size_t				 i;
	int				 fd;

	for (i = 0; i < g->nmembers; i++) {
		m = &g->members[i];
		if (modelstore_is_partial(base_name(m->path)))
			continue;
		if ((fd = open(m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
		    -1)
			continue;
		if (fstat(fd, &k->sb) != 0 || !S_ISREG(k->sb.st_mode) ||
		    !same_identity(&k->sb, m, g->size) ||
		    osdep_file_compressed(&k->sb)) {
			close(fd);
			continue;
		}
		k->m = m;
		k->fd = fd;
		return 0;
	}
	return -ENOENT;
}

static int
apply_group(struct applier *a, const struct dedup_group *g)
{
	struct keeper			 k;
	const struct dedup_member	*m;
	struct dedup_action		*act;
	uint64_t			 bytes;
	size_t				 i, j, names, left;
	int				 rc = 0;

	if (open_keeper(g, &k) != 0) {
		act = add_action(a, g->members[0].path, NULL);
		action_set(act, DEDUP_OUTCOME_SKIPPED, 0, "no copy is "
		    "unchanged since indexing; rescan first");
		return 0;
	}
	for (i = 0; i < g->nmembers && rc == 0; i++) {
		m = &g->members[i];
		if (m->share == k.m->share)
			continue;	/* already shares the keeper's storage */
		if (deduped_before(a, m))
			continue;	/* its inode was shared a moment ago */
		if (dedup_cancelled(&a->pr)) {
			rc = -ECANCELED;
			break;
		}
		/*
		 * Replacing a name frees the inode's blocks only when it is
		 * the inode's last name: count names of this inode in the
		 * group that are still to come.
		 */
		for (names = 0, left = 0, j = 0; j < g->nmembers; j++) {
			if (g->members[j].dev != m->dev ||
			    g->members[j].ino != m->ino)
				continue;
			names++;
			left += j > i;
		}
		bytes = left == 0 && m->nlink <= names ? m->blocks : 0;
		rc = process_target(a, g, &k, m, bytes);
	}
	close(k.fd);
	return rc;
}

/* Replace the duplicates of report. */
int
dedup_apply(struct store *st, const struct dedup_report *report,
    const struct dedup_options *opts, dedup_progress_cb cb, void *arg,
    const volatile int *cancel, struct dedup_result **resultp)
{
	struct applier		 a;
	struct dedup_result	*r;
	size_t			 i, ntargets = 0;
	int			 rc = 0, prev_sync = 1, durable = 0;

	memset(&a, 0, sizeof(a));
	a.st = st;
	a.o = opts;
	a.pid = (long)getpid();
	a.no_inplace = opts->test_no_inplace;
	a.res = r = xcalloc(1, sizeof(*r));
	dedup_prog_init(&a.pr, cb, arg, cancel);
	for (i = 0; i < report->ngroups; i++)
		ntargets += report->groups[i].nmembers - 1;
	if (!opts->dry_run) {
		if ((rc = store_cache_durable(st, 1, &prev_sync)) != 0)
			goto out;
		durable = 1;
		a.buf[0] = xmalloc(DEDUP_IO_SIZE);
		a.buf[1] = xmalloc(DEDUP_IO_SIZE);
	}
	dedup_prog_phase(&a.pr, DEDUP_PHASE_APPLY, ntargets, 0);
	for (i = 0; i < report->ngroups && rc == 0; i++) {
		if (dedup_cancelled(&a.pr)) {
			rc = -ECANCELED;
			break;
		}
		rc = apply_group(&a, &report->groups[i]);
	}
	for (i = 0; i < r->nactions; i++) {
		switch (r->actions[i].outcome) {
		case DEDUP_OUTCOME_PLANNED:
			r->reclaimable += r->actions[i].bytes;
			break;
		case DEDUP_OUTCOME_DONE:
			r->ndone++;
			r->reclaimed += r->actions[i].bytes;
			break;
		case DEDUP_OUTCOME_SKIPPED:
		case DEDUP_OUTCOME_DIFFERS:
			r->nskipped++;
			break;
		case DEDUP_OUTCOME_UNSUPPORTED:
			r->nunsupported++;
			break;
		case DEDUP_OUTCOME_FAILED:
			r->nfailed++;
			break;
		}
	}
	if (!a.crashed)
		dedup_prog_phase(&a.pr, DEDUP_PHASE_DONE, 0, 0);
out:
	if (durable)
		(void)store_cache_durable(st, 0, &prev_sync);
	for (i = 0; i < a.nbusy; i++)
		free(a.busy[i].dir);
	free(a.busy);
	free(a.unsup);
	free(a.deduped);
	free(a.buf[0]);
	free(a.buf[1]);
	if (rc != 0 && rc != -ECANCELED) {
		dedup_result_free(r);
		return rc;
	}
	*resultp = r;
	return rc;
}

/* Free a result; accepts NULL. */
void
dedup_result_free(struct dedup_result *r)
{
	size_t	i;

	if (r == NULL)
		return;
	for (i = 0; i < r->nactions; i++) {
		free(r->actions[i].target);
		free(r->actions[i].keeper);
		free(r->actions[i].reason);
	}
	free(r->actions);
	free(r);
}

/* ---- recovery ---- */

static void
sync_parent(const char *path)
{
	const char	*slash = strrchr(path, '/');
	char		*dir;
	int		 fd;

	if (slash == NULL)
		return;
	dir = slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		(void)fsync(fd);
		close(fd);
	}
	free(dir);
}

/* Decide and finish one interrupted operation. */
static int
recover_one(struct store *st, struct dedup_op *op)
{
	struct stat	tl, tg;
	int		have_temp, have_target;
	const char	*why = NULL;

	if (op->kind == DEDUP_OP_DEDUPE) {
		/* The kernel only ever shares identical ranges. */
		why = "interrupted; in-place dedupe never changes content";
		op->state = DEDUP_OP_ROLLED_BACK;
		goto write;
	}
	have_temp = op->temp != NULL && lstat(op->temp, &tl) == 0;
	have_target = lstat(op->target, &tg) == 0;
	switch (op->state) {
	case DEDUP_OP_PLANNED:
	case DEDUP_OP_TEMP_CREATED:
		/* The target was never touched; drop the temp if made. */
		if (have_temp) {
			(void)unlink(op->temp);
			sync_parent(op->temp);
		}
		why = "interrupted before the rename; temp removed";
		op->state = DEDUP_OP_ROLLED_BACK;
		break;
	case DEDUP_OP_RENAMED:
		if (have_temp) {
			if (have_target && (uint64_t)tg.st_dev ==
			    op->target_dev && (uint64_t)tg.st_ino ==
			    op->target_ino) {
				(void)unlink(op->temp);
				why = "interrupted before the rename; temp "
				    "removed";
				op->state = DEDUP_OP_ROLLED_BACK;
			} else if (have_target && tg.st_dev == tl.st_dev &&
			    tg.st_ino == tl.st_ino) {
				(void)unlink(op->temp);
				op->state = DEDUP_OP_DONE;
			} else if (!have_target) {
				/* Keep the name present: the temp is verified. */
				if (rename(op->temp, op->target) != 0) {
					log_warn("dedup: recover %s",
					    op->target);
					return -errno;
				}
				have_target = lstat(op->target, &tg) == 0;
				op->state = DEDUP_OP_DONE;
			} else {
				(void)unlink(op->temp);
				why = "target replaced by something else; temp "
				    "removed";
				op->state = DEDUP_OP_ROLLED_BACK;
			}
			sync_parent(op->target);
		} else if (have_target && (uint64_t)tg.st_dev ==
		    op->target_dev && (uint64_t)tg.st_ino == op->target_ino) {
			why = "temp vanished before the rename; target intact";
			op->state = DEDUP_OP_ROLLED_BACK;
		} else if (have_target) {
			sync_parent(op->target);
			op->state = DEDUP_OP_DONE;
		} else {
			log_warnx("dedup: %s is missing after an interrupted "
			    "replace (removed by someone else?)", op->target);
			why = "target missing";
			op->state = DEDUP_OP_ROLLED_BACK;
		}
		break;
	default:
		return 0;
	}
	if (op->state == DEDUP_OP_DONE && have_target) {
		op->result_dev = (uint64_t)tg.st_dev;
		op->result_ino = (uint64_t)tg.st_ino;
		op->result_mtime_ns = osdep_stat_mtime_ns(&tg);
	}
write:
	if (why != NULL) {
		free(op->error);
		op->error = xstrdup(why);
	}
	if (op->state != DEDUP_OP_DONE)
		op->bytes = 0;
	return store_cache_op_update(st, op);
}

/* Finish or roll back every unfinished journaled operation. */
int
dedup_recover(struct store *st)
{
	struct dedup_op	*ops = NULL;
	size_t		 n = 0, i, done = 0;
	int		 rc, prev = 1;

	if ((rc = store_cache_ops_load(st, STORE_CACHE_OPS_UNFINISHED, &ops,
	    &n)) != 0)
		return rc;
	if (n == 0)
		return 0;
	if ((rc = store_cache_durable(st, 1, &prev)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		rc = recover_one(st, &ops[i]);
		done += rc == 0 && ops[i].state == DEDUP_OP_DONE;
	}
	(void)store_cache_durable(st, 0, &prev);
	if (rc == 0)
		log_info("dedup: recovered %zu interrupted operation%s "
		    "(%zu completed, %zu rolled back)", n, n == 1 ? "" : "s",
		    done, n - done);
out:
	store_cache_ops_free(ops, n);
	return rc;
}
