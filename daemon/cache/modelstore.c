/* SPDX-License-Identifier: ISC */
/*
 * modelstore.c: the scan driver and the index it builds.
 *
 * Read-only and blocking; runs on the uv threadpool. modelstore_scan()
 * canonicalises the roots, hands each to its store's walker
 * (modelstore_ollama.c, modelstore_hf.c, modelstore_tree.c) and owns the
 * helpers they share to add files, models, cleanup candidates and warnings.
 * Every real file is recorded once under its canonical path, so a snapshot
 * symlink, an LM Studio link into Ollama and the blob itself are one entry,
 * and its role (which decides what dedup may do to it) follows from the root
 * it lies under. Nothing a user could trip over aborts a scan: unreadable
 * directories, broken links and loops become warnings, and entries that
 * disappear between readdir and stat are counted and skipped.
 */
#include "config.h"

#include <sys/types.h>
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
#include "log.h"
#include "modelstore.h"
#include "modelstore_int.h"
#include "osdep.h"
#include "where.h"
#include "xmalloc.h"

#define MODELSTORE_PROGRESS_NS		100000000LL

/* Open-addressing table of file indexes keyed by path. */
struct pathmap {
	size_t		*slot;		/* file index + 1; 0 = empty */
	size_t		 cap;
	size_t		 n;
};

static const char *const kind_names[] = {
	"ollama", "hf", "lmstudio", "local",
};
static const char *const role_names[] = {
	"ollama_blob", "hf_blob", "hf_shared", "lmstudio", "local", "external",
};
static const char *const digest_names[] = {
	"", "name", "hf_blob", "hash",
};
static const char *const cleanup_names[] = {
	"orphan_blob", "detached_revision", "stale_partial", "stale_temp",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

static int64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t
hash_str(const char *s)
{
	uint64_t	h = 1469598103934665603ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* 1 if s is exactly n lowercase hex digits. */
int
modelstore_is_hex(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	}
	return s[n] == '\0';
}

static int
has_suffix(const char *s, const char *suffix)
{
	size_t	ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static void
pathmap_insert(struct modelstore_index *idx, size_t fi)
{
	struct pathmap	*pm = idx->pathmap;
	size_t		*old, oldcap, i, h;

	if ((pm->n + 1) * 2 > pm->cap) {
		old = pm->slot;
		oldcap = pm->cap;
		pm->cap = oldcap == 0 ? 256 : oldcap * 2;
		pm->slot = xcalloc(pm->cap, sizeof(*pm->slot));
		pm->n = 0;
		for (i = 0; i < oldcap; i++) {
			if (old[i] == 0)
				continue;
			h = hash_str(idx->files[old[i] - 1].path) &
			    (pm->cap - 1);
			while (pm->slot[h] != 0)
				h = (h + 1) & (pm->cap - 1);
			pm->slot[h] = old[i];
			pm->n++;
		}
		free(old);
	}
	h = hash_str(idx->files[fi].path) & (pm->cap - 1);
	while (pm->slot[h] != 0)
		h = (h + 1) & (pm->cap - 1);
	pm->slot[h] = fi + 1;
	pm->n++;
}

/* Index of the file with this canonical path, or -1. */
long
modelstore_index_find(const struct modelstore_index *idx, const char *path)
{
	const struct pathmap	*pm = idx->pathmap;
	size_t			 h;

	if (pm == NULL || pm->cap == 0)
		return -1;
	h = hash_str(path) & (pm->cap - 1);
	while (pm->slot[h] != 0) {
		if (strcmp(idx->files[pm->slot[h] - 1].path, path) == 0)
			return (long)(pm->slot[h] - 1);
		h = (h + 1) & (pm->cap - 1);
	}
	return -1;
}

/* Add (dev, ino) to the set; 1 if new, 0 if already there. */
int
modelstore_dirset_add(struct modelstore_dirset *ds, uint64_t dev, uint64_t ino)
{
	uint64_t	*odev, *oino;
	unsigned char	*oused;
	size_t		 ocap, i, h;

	if ((ds->n + 1) * 2 > ds->cap) {
		odev = ds->dev;
		oino = ds->ino;
		oused = ds->used;
		ocap = ds->cap;
		ds->cap = ocap == 0 ? 64 : ocap * 2;
		ds->dev = xcalloc(ds->cap, sizeof(*ds->dev));
		ds->ino = xcalloc(ds->cap, sizeof(*ds->ino));
		ds->used = xcalloc(ds->cap, 1);
		ds->n = 0;
		for (i = 0; i < ocap; i++)
			if (oused[i])
				(void)modelstore_dirset_add(ds, odev[i],
				    oino[i]);
		free(odev);
		free(oino);
		free(oused);
	}
	h = (size_t)((dev * 0x9e3779b97f4a7c15ULL) ^ ino) & (ds->cap - 1);
	while (ds->used[h]) {
		if (ds->dev[h] == dev && ds->ino[h] == ino)
			return 0;
		h = (h + 1) & (ds->cap - 1);
	}
	ds->used[h] = 1;
	ds->dev[h] = dev;
	ds->ino[h] = ino;
	ds->n++;
	return 1;
}

static void
dirset_free(struct modelstore_dirset *ds)
{
	free(ds->dev);
	free(ds->ino);
	free(ds->used);
	memset(ds, 0, sizeof(*ds));
}

/* Text name of a store kind. */
const char *
modelstore_kind_name(enum modelstore_kind kind)
{
	return (size_t)kind < NELEM(kind_names) ? kind_names[kind] : "?";
}

/* Parse a store kind name. */
int
modelstore_kind_parse(const char *s, enum modelstore_kind *kindp)
{
	size_t	i;

	for (i = 0; i < NELEM(kind_names); i++) {
		if (strcmp(s, kind_names[i]) == 0) {
			*kindp = (enum modelstore_kind)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Text name of a file role. */
const char *
modelstore_role_name(enum modelstore_role role)
{
	return (size_t)role < NELEM(role_names) ? role_names[role] : "?";
}

/* Parse a file role name. */
int
modelstore_role_parse(const char *s, enum modelstore_role *rolep)
{
	size_t	i;

	for (i = 0; i < NELEM(role_names); i++) {
		if (strcmp(s, role_names[i]) == 0) {
			*rolep = (enum modelstore_role)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Text name of a digest source ("" for none). */
const char *
modelstore_digest_name(enum modelstore_digest digest)
{
	return (size_t)digest < NELEM(digest_names) ? digest_names[digest] :
	    "?";
}

/* Parse a digest source name ("" or NULL-equivalent text gives NONE). */
int
modelstore_digest_parse(const char *s, enum modelstore_digest *digestp)
{
	size_t	i;

	for (i = 0; i < NELEM(digest_names); i++) {
		if (strcmp(s, digest_names[i]) == 0) {
			*digestp = (enum modelstore_digest)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* Text name of a cleanup candidate kind. */
const char *
modelstore_cleanup_name(enum modelstore_cleanup_kind kind)
{
	return (size_t)kind < NELEM(cleanup_names) ? cleanup_names[kind] :
	    "?";
}

/* 1 for Ollama's download parts: sha256-<hex>-partial[-<n>]. */
static int
ollama_partial(const char *name)
{
	const char	*p;

	if (strncmp(name, "sha256-", 7) != 0 || strlen(name) < 7 + 64 + 8)
		return 0;
	for (p = name + 7; p < name + 7 + 64; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return 0;
	if (strncmp(p, "-partial", 8) != 0)
		return 0;
	p += 8;
	if (*p == '\0')
		return 1;
	if (*p++ != '-' || *p == '\0')
		return 0;
	for (; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	return 1;
}

/* 1 for a download in progress as the writer of a store kind names it. */
int
modelstore_partial_of(enum modelstore_kind kind, const char *name)
{
	switch (kind) {
	case MODELSTORE_OLLAMA:
		return ollama_partial(name);
	case MODELSTORE_HF:
		return name[0] != '.' && has_suffix(name, ".incomplete") &&
		    strlen(name) > strlen(".incomplete");
	case MODELSTORE_LMSTUDIO:
	case MODELSTORE_LOCAL:
		break;
	}
	return 0;
}

/* 1 for names of unfinished downloads in Ollama's or HF's blobs/. */
int
modelstore_is_partial(const char *name)
{
	return modelstore_partial_of(MODELSTORE_OLLAMA, name) ||
	    modelstore_partial_of(MODELSTORE_HF, name);
}

/* 1 for dedup's own temporary names: .<name>.mlxd-tmp-<pid>-<n>. */
int
modelstore_is_temp(const char *name)
{
	const char	*p, *q;

	if (name[0] != '.' || (p = strstr(name, ".mlxd-tmp-")) == NULL ||
	    p == name)
		return 0;
	p += strlen(".mlxd-tmp-");
	for (q = p; *q >= '0' && *q <= '9'; q++)
		;
	if (q == p || *q != '-')
		return 0;
	for (p = ++q; *q >= '0' && *q <= '9'; q++)
		;
	return q > p && *q == '\0';
}

/* 1 if path is a directory (following links). */
int
modelstore_is_dir(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/*
 * Read the first line of a small regular file; NULL if absent, empty or
 * not a regular file (a FIFO put in its place never blocks the scan).
 */
char *
modelstore_read_line(const char *path)
{
	char		 buf[PATH_MAX + 1];
	struct stat	 sb;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1)
		return NULL;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (n = read(fd, buf, sizeof(buf) - 1)) < 0) {
		close(fd);
		return NULL;
	}
	close(fd);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] != '\0' ? xstrdup(buf) : NULL;
}

/* 1 once the caller set the cancel flag. */
int
modelstore_cancelled(const struct modelstore_scan *s)
{
	return s->cancel != NULL && *s->cancel;
}

static void
modelstore_progress(struct modelstore_scan *s, const char *path, int force)
{
	int64_t	now;

	if (s->cb == NULL)
		return;
	now = mono_ns();
	if (!force && now - s->last_cb_ns < MODELSTORE_PROGRESS_NS)
		return;
	s->last_cb_ns = now;
	s->prog.path = path;
	s->cb(s->arg, &s->prog);
	s->prog.path = NULL;
}

/* Record a warning about path for the current store. */
void
modelstore_warn(struct modelstore_scan *s, const char *path, const char *fmt,
    ...)
{
	struct modelstore_index		*idx = s->idx;
	struct modelstore_warning	*w;
	char				 buf[512];
	va_list				 ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	idx->warnings = xreallocarray(idx->warnings, idx->nwarnings + 1,
	    sizeof(*idx->warnings));
	w = &idx->warnings[idx->nwarnings++];
	w->store = s->store;
	w->path = xstrdup(path);
	w->message = xstrdup(buf);
	log_debug("modelstore: %s: %s", path, buf);
}

/* An errno as text, with what to grant for EPERM (macOS privacy). */
const char *
modelstore_strerror(int e)
{
	if (e == EPERM)
		return "operation not permitted (on macOS: allow mlxd in "
		    "System Settings > Privacy & Security > Full Disk Access, "
		    "or Files and Folders / Removable Volumes for this "
		    "location, then rescan)";
	return strerror(e);
}

/* Which root a canonical path lies under decides its role. */
static enum modelstore_role
scan_role(const struct modelstore_scan *s, const char *path)
{
	const struct modelstore_roots	*r = s->roots;
	const char			*canon, *rest;
	size_t				 i, len, best = 0;
	long				 bi = -1;

	for (i = 0; i < r->n; i++) {
		if ((canon = s->canon[i]) == NULL)
			continue;
		len = strlen(canon);
		if (strncmp(path, canon, len) == 0 && path[len] == '/' &&
		    len > best) {
			best = len;
			bi = (long)i;
		}
	}
	if (bi < 0)
		return MODELSTORE_ROLE_EXTERNAL;
	rest = path + best + 1;
	switch (r->v[bi].kind) {
	case MODELSTORE_OLLAMA:
		return strncmp(rest, "blobs/", 6) == 0 ?
		    MODELSTORE_ROLE_OLLAMA_BLOB : MODELSTORE_ROLE_EXTERNAL;
	case MODELSTORE_HF:
		if (strncmp(rest, "blobs/", 6) == 0)
			return MODELSTORE_ROLE_HF_SHARED;
		if (strncmp(rest, "models--", 8) == 0 &&
		    (rest = strchr(rest, '/')) != NULL &&
		    (strncmp(rest, "/blobs/", 7) == 0 ||
		    strncmp(rest, "/snapshots/", 11) == 0))
			return MODELSTORE_ROLE_HF_BLOB;
		return MODELSTORE_ROLE_EXTERNAL;
	case MODELSTORE_LMSTUDIO:
		return MODELSTORE_ROLE_LMSTUDIO;
	case MODELSTORE_LOCAL:
		return MODELSTORE_ROLE_LOCAL;
	}
	return MODELSTORE_ROLE_EXTERNAL;
}

/* Record a regular file (or return the existing entry for its path). */
size_t
modelstore_add_file(struct modelstore_scan *s, const char *path,
    const struct stat *sb,
    enum modelstore_digest digest, const char *hex)
{
	struct modelstore_index	*idx = s->idx;
	struct modelstore_file	*f;
	char			*canon;
	long			 fi;

	/*
	 * The file is recorded, and its role decided, where it really is:
	 * reached through a symlinked folder that leaves every store, it is
	 * EXTERNAL, which nothing ever changes.
	 */
	canon = where_resolve_cached(path, &s->dirs_real);
	if (canon != NULL)
		path = canon;
	if ((fi = modelstore_index_find(idx, path)) >= 0) {
		f = &idx->files[fi];
		if (f->digest == MODELSTORE_DIGEST_NONE && hex != NULL) {
			snprintf(f->sha256, sizeof(f->sha256), "%s", hex);
			f->digest = digest;
		}
		free(canon);
		return (size_t)fi;
	}
	idx->files = xreallocarray(idx->files, idx->nfiles + 1,
	    sizeof(*idx->files));
	f = &idx->files[idx->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->store = s->store;
	f->role = canon != NULL ? scan_role(s, path) :
	    MODELSTORE_ROLE_EXTERNAL;
	f->size = (uint64_t)sb->st_size;
	f->blocks = (uint64_t)sb->st_blocks * 512;
	f->dev = (uint64_t)sb->st_dev;
	f->ino = (uint64_t)sb->st_ino;
	f->nlink = (uint64_t)sb->st_nlink;
	f->mtime_ns = osdep_stat_mtime_ns(sb);
	f->model = -1;
	if (hex != NULL) {
		snprintf(f->sha256, sizeof(f->sha256), "%s", hex);
		f->digest = digest;
	}
	pathmap_insert(idx, idx->nfiles);
	s->prog.files_done++;
	s->prog.bytes_done += f->size;
	modelstore_progress(s, path, 0);
	free(canon);
	return idx->nfiles++;
}

/* Add a model of the current store; returns its index. */
size_t
modelstore_add_model(struct modelstore_scan *s, const char *name,
    const char *revision,
    const char *path)
{
	struct modelstore_index	*idx = s->idx;
	struct modelstore_model	*m;

	idx->models = xreallocarray(idx->models, idx->nmodels + 1,
	    sizeof(*idx->models));
	m = &idx->models[idx->nmodels];
	memset(m, 0, sizeof(*m));
	m->store = s->store;
	m->name = xstrdup(name);
	m->revision = xstrdup(revision);
	m->refs = xstrdup("");
	m->path = xstrdup(path);
	return idx->nmodels++;
}

/* List file fi in model mi under the model's name for it. */
void
modelstore_model_add_file(struct modelstore_scan *s, size_t mi, size_t fi,
    const char *name)
{
	struct modelstore_model	*m = &s->idx->models[mi];

	m->files = xreallocarray(m->files, m->nfiles + 1, sizeof(*m->files));
	m->files[m->nfiles].file = fi;
	m->files[m->nfiles].name = xstrdup(name);
	m->nfiles++;
	if (s->idx->files[fi].model < 0)
		s->idx->files[fi].model = (long)mi;
}

/* Add a cleanup candidate of the current store. */
void
modelstore_add_cleanup(struct modelstore_scan *s,
    enum modelstore_cleanup_kind kind,
    const char *path, uint64_t size, int64_t mtime_ns, const char *detail)
{
	struct modelstore_index		*idx = s->idx;
	struct modelstore_cleanup	*c;
	const char			*root = s->canon[s->store];
	char				*canon;

	/* Only what lies inside the store it was found in. */
	if ((canon = where_resolve_cached(path, &s->dirs_real)) == NULL || root == NULL ||
	    !where_under(canon, root)) {
		modelstore_warn(s, path, "outside its store (through a "
		    "symlink); not a cleanup candidate");
		free(canon);
		return;
	}
	idx->cleanup = xreallocarray(idx->cleanup, idx->ncleanup + 1,
	    sizeof(*idx->cleanup));
	c = &idx->cleanup[idx->ncleanup++];
	c->kind = kind;
	c->store = s->store;
	c->path = canon;
	c->size = size;
	c->mtime_ns = mtime_ns;
	c->detail = xstrdup(detail);
}

static int
is_stale(const struct modelstore_scan *s, const struct stat *sb)
{
	return osdep_stat_mtime_ns(sb) / 1000000000 < s->now - s->stale_age;
}

/* Report an unfinished download or our own leftover temp when stale. */
void
modelstore_partial(struct modelstore_scan *s, const char *path,
    const struct stat *sb,
    const char *detail)
{
	const char	*base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if (!is_stale(s, sb))
		return;
	modelstore_add_cleanup(s, modelstore_is_temp(base) ?
	    MODELSTORE_CLEANUP_STALE_TEMP : MODELSTORE_CLEANUP_STALE_PARTIAL,
	    path, (uint64_t)sb->st_size, osdep_stat_mtime_ns(sb), detail);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * List a directory's entry names, sorted, without "." and "..". With
 * skip_dot, hidden names are left out. Returns -errno (and warns unless the
 * directory is simply absent).
 */
int
modelstore_list_dir(struct modelstore_scan *s, const char *path, int skip_dot,
    char ***namesp,
    size_t *np)
{
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL;
	size_t		 n = 0;
	int		 rc;

	if ((d = opendir(path)) == NULL) {
		rc = -errno;
		if (rc != -ENOENT && rc != -ENOTDIR)
			modelstore_warn(s, path, "cannot read directory: %s",
			    modelstore_strerror(-rc));
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (skip_dot && de->d_name[0] == '.')
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof(*names), cmp_str);
	*namesp = names;
	*np = n;
	return 0;
}

/* Free what modelstore_list_dir returned. */
void
modelstore_free_names(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* List the subdirectories (following symlinks) of path. */
int
modelstore_list_subdirs(struct modelstore_scan *s, const char *path,
    int want_dirs, char ***namesp,
    size_t *np)
{
	struct stat	 sb;
	char		**names, *p;
	size_t		 n, i, k = 0;
	int		 rc;

	if ((rc = modelstore_list_dir(s, path, 1, &names, &n)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		p = xasprintf("%s/%s", path, names[i]);
		if (stat(p, &sb) == 0 && (want_dirs ? S_ISDIR(sb.st_mode) :
		    S_ISREG(sb.st_mode)))
			names[k++] = names[i];
		else
			free(names[i]);
		free(p);
	}
	*namesp = names;
	*np = k;
	return 0;
}

/* qsort order of blobs/ entries: by name. */
int
modelstore_blob_cmp(const void *a, const void *b)
{
	return strcmp(((const struct modelstore_blob *)a)->name,
	    ((const struct modelstore_blob *)b)->name);
}

/* The blobs/ entry with this name in a sorted array, or NULL. */
struct modelstore_blob *
modelstore_blob_find(struct modelstore_blob *v, size_t n, const char *name)
{
	struct modelstore_blob	key;

	if (n == 0)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, v, n, sizeof(*v), modelstore_blob_cmp);
}

/* Free an array of blobs/ entries. */
void
modelstore_blobs_free(struct modelstore_blob *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}

/*
 * Read one entry of a blobs/ directory into a file: a regular file is
 * indexed where it is, a symlink by its real target. Returns 0 or -1.
 */
int
modelstore_scan_blob(struct modelstore_scan *s, const char *path,
    enum modelstore_digest digest,
    const char *hex, const struct stat *lsb, const char *what, size_t *fip)
{
	struct stat	 sb;
	char		*real;

	if (S_ISREG(lsb->st_mode)) {
		*fip = modelstore_add_file(s, path, lsb, digest, hex);
		return 0;
	}
	if (!S_ISLNK(lsb->st_mode))
		return -1;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		modelstore_warn(s, path, "broken symlink in %s", what);
		return -1;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		s->idx->vanished++;
		return -1;
	}
	*fip = modelstore_add_file(s, real, &sb, digest, hex);
	free(real);
	return 0;
}

static void
index_finish(struct modelstore_index *idx)
{
	struct modelstore_model	*m;
	unsigned char		*mark;
	size_t			 i, k, fi;

	mark = xcalloc(idx->nfiles + 1, 1);
	for (i = 0; i < idx->nmodels; i++) {
		m = &idx->models[i];
		m->size = 0;
		for (k = 0; k < m->nfiles; k++) {
			fi = m->files[k].file;
			if (!mark[fi]) {
				mark[fi] = 1;
				m->size += idx->files[fi].size;
			}
		}
		for (k = 0; k < m->nfiles; k++)
			mark[m->files[k].file] = 0;
	}
	free(mark);
}

/* Walk every root and build the index. */
int
modelstore_scan(const struct modelstore_roots *roots,
    void (*cb)(void *, const struct dedup_progress *), void *arg,
    const volatile int *cancel, struct modelstore_index **idxp)
{
	struct modelstore_scan	 s;
	struct modelstore_index	*idx;
	struct modelstore_store	*ms;
	struct stat		 sb;
	size_t			 i, k;
	int			 rc = 0;

	if (roots == NULL || roots->n == 0)
		return -EINVAL;
	memset(&s, 0, sizeof(s));
	idx = xcalloc(1, sizeof(*idx));
	idx->pathmap = xcalloc(1, sizeof(struct pathmap));
	s.roots = roots;
	s.idx = idx;
	s.cb = cb;
	s.arg = arg;
	s.cancel = cancel;
	s.now = roots->now != 0 ? roots->now : (int64_t)time(NULL);
	s.stale_age = roots->stale_age_s;
	s.last_model = -1;
	s.prog.phase = DEDUP_PHASE_SCAN;
	s.prog.eta_s = -1;
	s.canon = xcalloc(roots->n, sizeof(*s.canon));

	/* Canonical roots first, so roles can be decided by prefix. */
	idx->stores = xcalloc(roots->n, sizeof(*idx->stores));
	idx->nstores = roots->n;
	for (i = 0; i < roots->n; i++) {
		ms = &idx->stores[i];
		ms->kind = roots->v[i].kind;
		s.canon[i] = realpath(roots->v[i].path, NULL);
		ms->present = s.canon[i] != NULL &&
		    modelstore_is_dir(s.canon[i]);
		ms->path = xstrdup(s.canon[i] != NULL ? s.canon[i] :
		    roots->v[i].path);
	}
	for (i = 0; i < roots->n && !modelstore_cancelled(&s); i++) {
		ms = &idx->stores[i];
		s.store = i;
		s.last_model = -1;
		if (!ms->present) {
			if (stat(ms->path, &sb) != 0 && errno == EPERM)
				modelstore_warn(&s, ms->path, "cannot open "
				    "store: %s", modelstore_strerror(EPERM));
			else
				modelstore_warn(&s, ms->path,
				    "store not found");
			continue;
		}
		for (k = 0; k < i; k++)
			if (s.canon[k] != NULL &&
			    strcmp(s.canon[k], s.canon[i]) == 0)
				break;
		if (k < i) {
			modelstore_warn(&s, ms->path,
			    "listed twice; scanned once "
			    "as %s", modelstore_kind_name(idx->stores[k].kind));
			continue;
		}
		if (stat(ms->path, &sb) == 0)
			(void)modelstore_dirset_add(&s.dirs,
			    (uint64_t)sb.st_dev,
			    (uint64_t)sb.st_ino);
		switch (ms->kind) {
		case MODELSTORE_OLLAMA:
			modelstore_scan_ollama(&s, ms->path);
			break;
		case MODELSTORE_HF:
			modelstore_scan_hf(&s, ms->path);
			break;
		case MODELSTORE_LMSTUDIO:
			modelstore_scan_tree(&s, ms->path, ms->kind);
			break;
		case MODELSTORE_LOCAL:
			modelstore_scan_tree(&s, ms->path, ms->kind);
			break;
		}
	}
	if (modelstore_cancelled(&s))
		rc = -ECANCELED;
	else {
		index_finish(idx);
		s.prog.phase = DEDUP_PHASE_SCAN;
		modelstore_progress(&s, NULL, 1);
	}
	for (i = 0; i < roots->n; i++)
		free(s.canon[i]);
	free(s.canon);
	where_dircache_free(&s.dirs_real);
	dirset_free(&s.dirs);
	if (rc != 0) {
		modelstore_index_free(idx);
		return rc;
	}
	*idxp = idx;
	return 0;
}

/* Free an index. */
void
modelstore_index_free(struct modelstore_index *idx)
{
	struct pathmap	*pm;
	size_t		 i, k;

	if (idx == NULL)
		return;
	for (i = 0; i < idx->nstores; i++)
		free(idx->stores[i].path);
	free(idx->stores);
	for (i = 0; i < idx->nmodels; i++) {
		for (k = 0; k < idx->models[i].nfiles; k++)
			free(idx->models[i].files[k].name);
		free(idx->models[i].files);
		free(idx->models[i].name);
		free(idx->models[i].revision);
		free(idx->models[i].refs);
		free(idx->models[i].path);
	}
	free(idx->models);
	for (i = 0; i < idx->nfiles; i++)
		free(idx->files[i].path);
	free(idx->files);
	for (i = 0; i < idx->ncleanup; i++) {
		free(idx->cleanup[i].path);
		free(idx->cleanup[i].detail);
	}
	free(idx->cleanup);
	for (i = 0; i < idx->nwarnings; i++) {
		free(idx->warnings[i].path);
		free(idx->warnings[i].message);
	}
	free(idx->warnings);
	if ((pm = idx->pathmap) != NULL)
		free(pm->slot);
	free(pm);
	free(idx);
}
