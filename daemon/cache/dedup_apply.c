/* SPDX-License-Identifier: ISC */
/*
 * dedup_apply.c: replacing duplicate model files by clones or links.
 *
 * For each group, keep the best copy (Ollama blob, then HF, then LM Studio,
 * then local) that is unchanged since indexing; for every other copy, check
 * what the stores allow (docs/cache.md): nothing is done to unfinished
 * downloads, compressed files, HF's shared blob store, files outside the
 * stores, files changed since indexing, directories with a download in
 * progress or blobs under an HF download lock; symlinks never go into
 * Ollama's or Hugging Face's blobs, hard links only join store blobs unless
 * the caller opts in. Then try the caller's methods in order through
 * dedup_replace.c, which verifies, journals and swaps. A method the
 * filesystem cannot do is reported, and nothing is changed.
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
#include "where.h"
#include "xmalloc.h"

/* A partial download touched this recently means a download in progress. */
#define DEDUP_BUSY_WINDOW_S	600
#define OUTSIDE_WHY		"hard-linked to a file outside the stores; " \
	"replacing this name would change that file and free nothing"

struct dedup_unsup {
	uint64_t		 dev;
	enum dedup_method	 method;
	int			 err;
};

struct dedup_busydir {
	char			*dir;
	int			 busy;
};

static const char *
base_name(const char *path)
{
	const char	*s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

static struct dedup_action *
add_action(struct dedup_applier *a, const char *target, const char *keeper)
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

	tblob = t == MODELSTORE_ROLE_OLLAMA_BLOB ||
	    t == MODELSTORE_ROLE_HF_BLOB;
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
		if (!o->link_user_files)
			return "a symlink dangles, its bytes gone, once the "
			    "kept copy's store deletes it (needs "
			    "link_user_files)";
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

static const struct dedup_unsup *
unsup_find(const struct dedup_applier *a, uint64_t dev,
    enum dedup_method method)
{
	size_t	i;

	for (i = 0; i < a->nunsup; i++)
		if (a->unsup[i].dev == dev && a->unsup[i].method == method)
			return &a->unsup[i];
	return NULL;
}

static void
unsup_add(struct dedup_applier *a, uint64_t dev, enum dedup_method method,
    int err)
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
dir_busy(struct dedup_applier *a, const char *dir)
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
hf_lock(const struct dedup_target *t, int *fdp)
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

static int
deduped_before(const struct dedup_applier *a, const struct dedup_member *m)
{
	size_t	i;

	for (i = 0; i < a->ndeduped; i++)
		if (a->deduped[2 * i] == m->dev && a->deduped[2 * i + 1] ==
		    m->ino)
			return 1;
	return 0;
}

static void
deduped_add(struct dedup_applier *a, const struct dedup_member *m)
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
 * 1 if the inode (dev, ino) with nlink names has a name the index does not
 * know inside a store: a hard link the user made in a folder of theirs (or
 * one reached only through a symlink that leaves every store). Such an
 * inode is never given more names, and none of its names is replaced: that
 * would change the user's file (its link count, and what an edit of it
 * reaches) and free nothing, since the user's name keeps the blocks.
 */
static int
linked_outside(const struct dedup_group *g, uint64_t dev, uint64_t ino,
    uint64_t nlink)
{
	size_t	i, names = 0;

	for (i = 0; i < g->nmembers; i++)
		if (g->members[i].dev == dev && g->members[i].ino == ino &&
		    g->members[i].role != MODELSTORE_ROLE_EXTERNAL)
			names++;
	return nlink > names;
}

/*
 * A dry run asks the filesystem whether it can clone before promising a
 * clone: a clone of the keeper is made next to the target under a temporary
 * name and removed at once (no data is written; a filesystem without
 * clones refuses before creating anything). 0 or a negative errno.
 */
static int
probe_clone(struct dedup_applier *a, const struct dedup_keeper *k,
    const struct dedup_target *t)
{
	char	 dir[PATH_MAX], name[64];
	char	*slash;
	int	 sfd, dfd, rc;

	snprintf(dir, sizeof(dir), "%s", t->m->path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return -EINVAL;
	*slash = '\0';
	if ((sfd = open(k->m->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return -errno;
	if ((dfd = open(dir[0] != '\0' ? dir : "/", O_RDONLY | O_DIRECTORY |
	    O_CLOEXEC)) < 0) {
		rc = -errno;
		close(sfd);
		return rc;
	}
	snprintf(name, sizeof(name), ".mlxd-probe-%ld.tmp", a->pid);
	if ((rc = osdep_clone_file(sfd, dfd, name)) == 0)
		(void)unlinkat(dfd, name, 0);
	close(sfd);
	close(dfd);
	return rc;
}

/*
 * "hardlink, symlink": the methods not allowed now that policy allows
 * (opt_in 0), or that it would allow with link_user_files (opt_in 1).
 */
static void
other_methods(const struct dedup_applier *a, const struct dedup_keeper *k,
    const struct dedup_target *t, int opt_in, char *buf, size_t len)
{
	struct dedup_options	 o = *a->o;
	enum dedup_method	 m;
	size_t			 i;
	int			 allowed;

	buf[0] = '\0';
	if (opt_in && o.link_user_files)
		return;
	for (m = DEDUP_CLONE; m <= DEDUP_SYMLINK; m++) {
		for (allowed = 0, i = 0; i < o.nmethods; i++)
			allowed |= o.methods[i] == m;
		o.link_user_files = a->o->link_user_files;
		if (opt_in) {
			if (policy(&o, m, t->m->role, k->m->role) == NULL)
				continue;	/* listed without the opt-in */
			o.link_user_files = 1;
		}
		if (allowed || policy(&o, m, t->m->role, k->m->role) != NULL ||
		    (m != DEDUP_SYMLINK && t->m->dev != k->m->dev) ||
		    unsup_find(a, t->m->dev, m) != NULL)
			continue;
		append(buf, len, "%s", dedup_method_name(m));
	}
}

/*
 * Try the caller's methods on one target. Returns 0 (the action says what
 * happened), or -EINTR (simulated crash), -ECANCELED, or a database error
 * that stops the run.
 */
static int
try_methods(struct dedup_applier *a, struct dedup_keeper *k,
    struct dedup_target *t)
{
	const struct dedup_options	*o = a->o;
	const struct dedup_unsup	*u;
	enum dedup_method		 method;
	const char			*why;
	char				 reasons[1024] = "";
	char				 others[64], opted[64];
	size_t				 i;
	int				 rc, unsupported = 0, first_err = 0;
	int				 outside;

	outside = linked_outside(t->g, (uint64_t)t->sb.st_dev,
	    (uint64_t)t->sb.st_ino, (uint64_t)t->sb.st_nlink);
	for (i = 0; i < o->nmethods; i++) {
		method = o->methods[i];
		if ((why = policy(o, method, t->m->role, k->m->role)) != NULL) {
			append(reasons, sizeof(reasons), "%s: %s",
			    dedup_method_name(method), why);
			continue;
		}
		if (outside && (method != DEDUP_CLONE || a->no_inplace)) {
			append(reasons, sizeof(reasons), "%s: %s",
			    dedup_method_name(method), OUTSIDE_WHY);
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
		if (o->dry_run && method == DEDUP_CLONE &&
		    (rc = probe_clone(a, k, t)) != 0 && is_unsupported(rc) &&
		    rc != -EACCES && rc != -EPERM) {
			unsup_add(a, t->m->dev, method, rc == -EINVAL ?
			    -EOPNOTSUPP : rc);
			append(reasons, sizeof(reasons), "%s: not supported "
			    "by this filesystem", dedup_method_name(method));
			unsupported = 1;
			first_err = first_err != 0 ? first_err : rc;
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
			rc = dedup_replace_inplace(a, k, t);
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
				/* FICLONE needs the same support. */
				unsup_add(a, t->m->dev, method, rc);
				goto unsupported;
			} else if (rc != -EACCES && rc != -EPERM &&
			    rc != -ETXTBSY && rc != -EROFS && rc != -EBADF)
				goto result;	/* else clone through a temp */
		}
		if (outside) {
			/* Only an in-place share keeps the user's name. */
			append(reasons, sizeof(reasons), "%s: %s",
			    dedup_method_name(method), OUTSIDE_WHY);
			continue;
		}
		if (!t->verified && (rc = dedup_verify_bytes(a, k, t)) != 0)
			goto result;
		rc = dedup_replace_temp(a, k, t, method);
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
	other_methods(a, k, t, 0, others, sizeof(others));
	other_methods(a, k, t, 1, opted, sizeof(opted));
	if (unsupported && others[0] != '\0')
		action_set(t->act, DEDUP_OUTCOME_UNSUPPORTED, first_err,
		    "no allowed method works here: %s; would work: %s "
		    "(--method, or cache.dedup.methods)", reasons, others);
	else if (unsupported && opted[0] != '\0')
		action_set(t->act, DEDUP_OUTCOME_UNSUPPORTED, first_err,
		    "no allowed method works here: %s; would work only if "
		    "you let a file of yours be linked: %s with "
		    "--link-user-files", reasons, opted);
	else if (unsupported)
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
process_target(struct dedup_applier *a, const struct dedup_group *g,
    struct dedup_keeper *k, const struct dedup_member *m, uint64_t bytes)
{
	struct dedup_target	 t;
	struct stat		 sb;
	const char		*slash;
	int			 rc = 0;

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
	if (!where_unchanged(m->path) || !where_unchanged(k->m->path) ||
	    lstat(m->path, &t.sb) != 0 || !S_ISREG(t.sb.st_mode) ||
	    !dedup_same_identity(&t.sb, m, g->size)) {
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
		/* Pinned without following a link: every later step is
		 * relative to this fd (fstatat, linkat, renameat). */
		if ((t.dirfd = where_open_parent(m->path, &t.base)) < 0) {
			rc = t.dirfd;
			t.dirfd = -1;
			if (rc == -ELOOP || rc == -ENOTDIR || rc == -ENOENT)
				action_set(t.act, DEDUP_OUTCOME_SKIPPED, rc,
				    "changed since indexing; rescan first");
			else
				action_set(t.act, DEDUP_OUTCOME_FAILED, rc,
				    "cannot open its directory: %s",
				    strerror(-rc));
			rc = 0;
			goto out;
		}
		if (fstatat(t.dirfd, t.base, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode) || !dedup_same_identity(&sb, m,
		    g->size)) {
			action_set(t.act, DEDUP_OUTCOME_SKIPPED, 0, "changed "
			    "since indexing; rescan first");
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
open_keeper(const struct dedup_group *g, struct dedup_keeper *k)
{
	const struct dedup_member	*m;
	size_t				 i;
	int				 fd;

	for (i = 0; i < g->nmembers; i++) {
		m = &g->members[i];
		/* Never a user's file: targets would become links to it. */
		if (modelstore_is_partial(base_name(m->path)) ||
		    m->role == MODELSTORE_ROLE_EXTERNAL)
			continue;
		if ((fd = open(m->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) ==
		    -1)
			continue;
		if (fstat(fd, &k->sb) != 0 || !S_ISREG(k->sb.st_mode) ||
		    !dedup_same_identity(&k->sb, m, g->size) ||
		    linked_outside(g, (uint64_t)k->sb.st_dev,
		    (uint64_t)k->sb.st_ino, (uint64_t)k->sb.st_nlink) ||
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
apply_group(struct dedup_applier *a, const struct dedup_group *g)
{
	struct dedup_keeper		 k;
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
			/* already shares the keeper's storage */
			continue;
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
	struct dedup_applier	 a;
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

