/* SPDX-License-Identifier: ISC */
/*
 * modelstore.c: walks the model stores and builds the in-memory index.
 *
 * Read-only and blocking; runs on the uv threadpool. Layouts follow the
 * stores' own code (docs/cache.md): Ollama's manifests/<host>/<ns>/<model>/
 * <tag> and blobs/sha256-<hex>; the HF hub cache's models--org--name/
 * {refs,blobs,snapshots}; LM Studio's <publisher>/<model>/ folders; plain
 * local folders. Every real file is recorded once under its canonical path,
 * so a snapshot symlink, an LM Studio link into Ollama and the blob itself
 * are one entry. Nothing a user could trip over aborts a scan: unreadable
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
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "dedup.h"
#include "log.h"
#include "modelstore.h"
#include "osdep.h"
#include "xmalloc.h"

#define MODELSTORE_STALE_AGE_S		86400
#define MODELSTORE_MAX_DEPTH		24
#define MODELSTORE_MANIFEST_MAX		(4 * 1024 * 1024)
#define MODELSTORE_PROGRESS_NS		100000000LL
#define OLLAMA_DEFAULT_HOST		"registry.ollama.ai"
#define OLLAMA_DEFAULT_NS		"library"

/* Open-addressing table of file indexes keyed by path. */
struct pathmap {
	size_t		*slot;		/* file index + 1; 0 = empty */
	size_t		 cap;
	size_t		 n;
};

/* Directories already entered, by (dev, inode): stops loops and rewalks. */
struct dirset {
	uint64_t	*dev;
	uint64_t	*ino;
	unsigned char	*used;
	size_t		 cap;
	size_t		 n;
};

/* An entry of a store's blobs/ directory. */
struct blobent {
	char		 name[80];
	size_t		 file;
	char		*path;		/* as listed in blobs/ */
	uint64_t	 size;
	int64_t		 mtime_ns;
};

struct scan {
	const struct modelstore_roots	*roots;
	struct modelstore_index		*idx;
	char				**canon;	/* per root, NULL if absent */
	dedup_progress_cb		 cb;
	void				*arg;
	const volatile int		*cancel;
	struct dedup_progress		 prog;
	int64_t				 last_cb_ns;
	int64_t				 now;
	int64_t				 stale_age;
	struct dirset			 dirs;
	size_t				 store;
	long				 last_model;	/* lookup cache for tree walks */
};

typedef void (*scan_file_fn)(struct scan *, const char *path,
    const char *rel, const struct stat *sb);

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

static int
is_hex(const char *s, size_t n)
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

/* ---- lookup tables ---- */

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

/* Add (dev, ino); 1 if new, 0 if already there. */
static int
dirset_add(struct dirset *ds, uint64_t dev, uint64_t ino)
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
				(void)dirset_add(ds, odev[i], oino[i]);
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
dirset_free(struct dirset *ds)
{
	free(ds->dev);
	free(ds->ino);
	free(ds->used);
	memset(ds, 0, sizeof(*ds));
}

/* ---- names ---- */

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

/* 1 for names of unfinished downloads. */
int
modelstore_is_partial(const char *name)
{
	return has_suffix(name, ".incomplete") ||
	    strstr(name, "-partial") != NULL || has_suffix(name, ".part") ||
	    has_suffix(name, ".download");
}

/* 1 for dedup's own temporary names. */
int
modelstore_is_temp(const char *name)
{
	return name[0] == '.' && strstr(name, ".mlxd-tmp-") != NULL;
}

/* Ollama's shortest display name for a manifest path. */
char *
modelstore_ollama_name(const char *host, const char *ns, const char *model,
    const char *tag)
{
	if (strcasecmp(host, OLLAMA_DEFAULT_HOST) == 0) {
		if (strcasecmp(ns, OLLAMA_DEFAULT_NS) == 0)
			return xasprintf("%s:%s", model, tag);
		return xasprintf("%s/%s:%s", ns, model, tag);
	}
	return xasprintf("%s/%s/%s:%s", host, ns, model, tag);
}

/* ---- roots ---- */

/* Empty root list with the default stale age. */
void
modelstore_roots_init(struct modelstore_roots *roots)
{
	memset(roots, 0, sizeof(*roots));
	roots->stale_age_s = MODELSTORE_STALE_AGE_S;
}

/* Append a root. */
void
modelstore_roots_add(struct modelstore_roots *roots, enum modelstore_kind kind,
    const char *path)
{
	roots->v = xreallocarray(roots->v, roots->n + 1, sizeof(*roots->v));
	roots->v[roots->n].kind = kind;
	roots->v[roots->n].path = xstrdup(path);
	roots->n++;
}

/* Free the roots' contents. */
void
modelstore_roots_free(struct modelstore_roots *roots)
{
	size_t	i;

	for (i = 0; i < roots->n; i++)
		free(roots->v[i].path);
	free(roots->v);
	roots->v = NULL;
	roots->n = 0;
}

static int
is_dir(const char *path)
{
	struct stat	sb;

	return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static char *
expand_home(const char *home, const char *path)
{
	if (path[0] == '~' && (path[1] == '/' || path[1] == '\0'))
		return xasprintf("%s%s", home, path + 1);
	return xstrdup(path);
}

static const char *
env_nonempty(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Add path (taken) if it is a directory not already listed for kind. */
static void
detect_add(struct modelstore_roots *roots, enum modelstore_kind kind,
    char *path)
{
	char	*real, *other;
	size_t	 i;
	int	 dup = 0;

	if (path == NULL || !is_dir(path)) {
		free(path);
		return;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		free(path);
		return;
	}
	for (i = 0; i < roots->n && !dup; i++) {
		if (roots->v[i].kind != kind)
			continue;
		if ((other = realpath(roots->v[i].path, NULL)) != NULL) {
			dup = strcmp(other, real) == 0;
			free(other);
		}
	}
	if (!dup)
		modelstore_roots_add(roots, kind, path);
	free(real);
	free(path);
}

/* Read the first line of a small file; NULL if absent or empty. */
static char *
read_line(const char *path)
{
	char	 buf[PATH_MAX + 1];
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return buf[0] != '\0' ? xstrdup(buf) : NULL;
}

/* LM Studio's downloadsFolder from its settings.json, or NULL. */
static char *
lmstudio_settings_folder(const char *path)
{
	json_t		*j;
	json_error_t	 err;
	const char	*v;
	char		*out = NULL;

	if ((j = json_load_file(path, 0, &err)) == NULL)
		return NULL;
	v = json_string_value(json_object_get(j, "downloadsFolder"));
	if (v != NULL && *v != '\0')
		out = xstrdup(v);
	json_decref(j);
	return out;
}

/* Append the default store locations that exist. */
int
modelstore_roots_detect(struct modelstore_roots *roots)
{
	const char	*home, *v;
	char		*p, *s;

	if ((home = env_nonempty("HOME")) == NULL)
		return -ENOENT;

	if ((v = env_nonempty("OLLAMA_MODELS")) != NULL)
		detect_add(roots, MODELSTORE_OLLAMA, expand_home(home, v));
	else
		detect_add(roots, MODELSTORE_OLLAMA,
		    xasprintf("%s/.ollama/models", home));
	detect_add(roots, MODELSTORE_OLLAMA,
	    xstrdup("/usr/share/ollama/.ollama/models"));

	if ((v = env_nonempty("HF_HUB_CACHE")) != NULL ||
	    (v = env_nonempty("HUGGINGFACE_HUB_CACHE")) != NULL)
		p = expand_home(home, v);
	else if ((v = env_nonempty("HF_HOME")) != NULL) {
		s = expand_home(home, v);
		p = xasprintf("%s/hub", s);
		free(s);
	} else if ((v = env_nonempty("XDG_CACHE_HOME")) != NULL)
		p = xasprintf("%s/huggingface/hub", v);
	else
		p = xasprintf("%s/.cache/huggingface/hub", home);
	detect_add(roots, MODELSTORE_HF, p);

	/* LM Studio: a moved models folder first, then the home's. */
	if ((v = env_nonempty("XDG_CONFIG_HOME")) != NULL)
		p = xasprintf("%s/LM Studio/settings.json", v);
	else
		p = xasprintf("%s/.config/LM Studio/settings.json", home);
	if ((s = lmstudio_settings_folder(p)) != NULL)
		detect_add(roots, MODELSTORE_LMSTUDIO, expand_home(home, s));
	free(s);
	free(p);
	p = xasprintf("%s/Library/Application Support/LM Studio/settings.json",
	    home);
	if ((s = lmstudio_settings_folder(p)) != NULL)
		detect_add(roots, MODELSTORE_LMSTUDIO, expand_home(home, s));
	free(s);
	free(p);
	p = xasprintf("%s/.lmstudio-home-pointer", home);
	if ((s = read_line(p)) != NULL) {
		char	*e = expand_home(home, s);

		detect_add(roots, MODELSTORE_LMSTUDIO,
		    xasprintf("%s/models", e));
		free(e);
	}
	free(s);
	free(p);
	detect_add(roots, MODELSTORE_LMSTUDIO,
	    xasprintf("%s/.cache/lm-studio/models", home));
	detect_add(roots, MODELSTORE_LMSTUDIO,
	    xasprintf("%s/.lmstudio/models", home));
	return 0;
}

/* ---- index building ---- */

static int
scan_cancelled(const struct scan *s)
{
	return s->cancel != NULL && *s->cancel;
}

static void
scan_progress(struct scan *s, const char *path, int force)
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

static void scan_warn(struct scan *, const char *, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static void
scan_warn(struct scan *s, const char *path, const char *fmt, ...)
{
	struct modelstore_index	*idx = s->idx;
	struct modelstore_warning *w;
	char			 buf[512];
	va_list			 ap;

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

/* Which root a canonical path lies under decides its role. */
static enum modelstore_role
scan_role(const struct scan *s, const char *path)
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
static size_t
scan_add_file(struct scan *s, const char *path, const struct stat *sb,
    enum modelstore_digest digest, const char *hex)
{
	struct modelstore_index	*idx = s->idx;
	struct modelstore_file	*f;
	long			 fi;

	if ((fi = modelstore_index_find(idx, path)) >= 0) {
		f = &idx->files[fi];
		if (f->digest == MODELSTORE_DIGEST_NONE && hex != NULL) {
			snprintf(f->sha256, sizeof(f->sha256), "%s", hex);
			f->digest = digest;
		}
		return (size_t)fi;
	}
	idx->files = xreallocarray(idx->files, idx->nfiles + 1,
	    sizeof(*idx->files));
	f = &idx->files[idx->nfiles];
	memset(f, 0, sizeof(*f));
	f->path = xstrdup(path);
	f->store = s->store;
	f->role = scan_role(s, path);
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
	scan_progress(s, path, 0);
	return idx->nfiles++;
}

static size_t
scan_add_model(struct scan *s, const char *name, const char *revision,
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

static void
model_add_file(struct scan *s, size_t mi, size_t fi, const char *name)
{
	struct modelstore_model	*m = &s->idx->models[mi];

	m->files = xreallocarray(m->files, m->nfiles + 1, sizeof(*m->files));
	m->files[m->nfiles].file = fi;
	m->files[m->nfiles].name = xstrdup(name);
	m->nfiles++;
	if (s->idx->files[fi].model < 0)
		s->idx->files[fi].model = (long)mi;
}

static void
scan_add_cleanup(struct scan *s, enum modelstore_cleanup_kind kind,
    const char *path, uint64_t size, int64_t mtime_ns, const char *detail)
{
	struct modelstore_index		*idx = s->idx;
	struct modelstore_cleanup	*c;

	idx->cleanup = xreallocarray(idx->cleanup, idx->ncleanup + 1,
	    sizeof(*idx->cleanup));
	c = &idx->cleanup[idx->ncleanup++];
	c->kind = kind;
	c->store = s->store;
	c->path = xstrdup(path);
	c->size = size;
	c->mtime_ns = mtime_ns;
	c->detail = xstrdup(detail);
}

static int
is_stale(const struct scan *s, const struct stat *sb)
{
	return osdep_stat_mtime_ns(sb) / 1000000000 < s->now - s->stale_age;
}

/* Report an unfinished download or our own leftover temp when stale. */
static void
scan_partial(struct scan *s, const char *path, const struct stat *sb,
    const char *detail)
{
	const char	*base = strrchr(path, '/');

	base = base != NULL ? base + 1 : path;
	if (!is_stale(s, sb))
		return;
	scan_add_cleanup(s, modelstore_is_temp(base) ?
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
static int
list_dir(struct scan *s, const char *path, int skip_dot, char ***namesp,
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
			scan_warn(s, path, "cannot read directory: %s",
			    strerror(-rc));
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

static void
free_names(char **names, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/*
 * Generic recursive walk for LM Studio and local roots: follows directory
 * symlinks once (dirset), resolves file symlinks to their real file, and
 * calls fn with the canonical path and the path relative to the root.
 */
static void
walk_tree(struct scan *s, const char *dir, const char *rel, int depth,
    scan_file_fn fn)
{
	struct stat	 sb, lsb;
	char		**names = NULL, *path, *sub, *real;
	size_t		 n = 0, i;

	if (depth > MODELSTORE_MAX_DEPTH) {
		scan_warn(s, dir, "deeper than %d levels; not descended",
		    MODELSTORE_MAX_DEPTH);
		return;
	}
	if (list_dir(s, dir, 0, &names, &n) != 0)
		return;
	for (i = 0; i < n && !scan_cancelled(s); i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		sub = rel[0] == '\0' ? xstrdup(names[i]) :
		    xasprintf("%s/%s", rel, names[i]);
		real = NULL;
		if (lstat(path, &lsb) != 0) {
			if (errno == ENOENT)
				s->idx->vanished++;
			else
				scan_warn(s, path, "cannot stat: %s",
				    strerror(errno));
			goto next;
		}
		if (S_ISLNK(lsb.st_mode)) {
			if (stat(path, &sb) != 0) {
				scan_warn(s, path, "%s", errno == ELOOP ?
				    "symlink loop" : "broken symlink");
				goto next;
			}
			if ((real = realpath(path, NULL)) == NULL) {
				scan_warn(s, path, "cannot resolve: %s",
				    strerror(errno));
				goto next;
			}
		} else
			sb = lsb;
		if (S_ISDIR(sb.st_mode)) {
			if (!dirset_add(&s->dirs, (uint64_t)sb.st_dev,
			    (uint64_t)sb.st_ino)) {
				scan_warn(s, path, "directory already "
				    "visited (symlink loop or second link); "
				    "skipped");
				goto next;
			}
			walk_tree(s, real != NULL ? real : path, sub,
			    depth + 1, fn);
		} else if (S_ISREG(sb.st_mode)) {
			if (modelstore_is_partial(names[i]) ||
			    modelstore_is_temp(names[i])) {
				scan_partial(s, path, &sb, sub);
				goto next;
			}
			if (names[i][0] == '.')
				goto next;
			fn(s, real != NULL ? real : path, sub, &sb);
		}
next:
		free(real);
		free(sub);
		free(path);
	}
	free_names(names, n);
}

/* ---- Ollama ---- */

static int
cmp_blobent(const void *a, const void *b)
{
	return strcmp(((const struct blobent *)a)->name,
	    ((const struct blobent *)b)->name);
}

static struct blobent *
find_blobent(struct blobent *v, size_t n, const char *name)
{
	struct blobent	key;

	if (n == 0)
		return NULL;
	snprintf(key.name, sizeof(key.name), "%s", name);
	return bsearch(&key, v, n, sizeof(*v), cmp_blobent);
}

static void
free_blobents(struct blobent *v, size_t n)
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
static int
scan_blob(struct scan *s, const char *path, enum modelstore_digest digest,
    const char *hex, const struct stat *lsb, const char *what, size_t *fip)
{
	struct stat	 sb;
	char		*real;

	if (S_ISREG(lsb->st_mode)) {
		*fip = scan_add_file(s, path, lsb, digest, hex);
		return 0;
	}
	if (!S_ISLNK(lsb->st_mode))
		return -1;
	if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		scan_warn(s, path, "broken symlink in %s", what);
		return -1;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		s->idx->vanished++;
		return -1;
	}
	*fip = scan_add_file(s, real, &sb, digest, hex);
	free(real);
	return 0;
}

/* Resolve one manifest layer ({digest, size, mediaType}) to its blob. */
static void
ollama_layer(struct scan *s, size_t mi, const json_t *layer,
    struct blobent *blobs, size_t nblobs, unsigned char *refd,
    const char *mpath, const char *fallback_type)
{
	const char	*digest, *type;
	struct blobent	*b;
	char		 name[80];
	size_t		 i;

	if (!json_is_object(layer))
		return;
	digest = json_string_value(json_object_get(layer, "digest"));
	type = json_string_value(json_object_get(layer, "mediaType"));
	if (type == NULL)
		type = fallback_type;
	if (digest == NULL || strlen(digest) != 71 ||
	    (strncmp(digest, "sha256:", 7) != 0 &&
	    strncmp(digest, "sha256-", 7) != 0)) {
		scan_warn(s, mpath, "layer with invalid digest");
		return;
	}
	snprintf(name, sizeof(name), "sha256-%s", digest + 7);
	for (i = 7; name[i] != '\0'; i++)
		if (name[i] >= 'A' && name[i] <= 'F')
			name[i] = (char)(name[i] - 'A' + 'a');
	if (!is_hex(name + 7, 64)) {
		scan_warn(s, mpath, "layer with invalid digest");
		return;
	}
	if ((b = find_blobent(blobs, nblobs, name)) == NULL) {
		scan_warn(s, mpath, "references missing blob %s", name);
		return;
	}
	refd[b - blobs] = 1;
	model_add_file(s, mi, b->file, type);
}

/* Parse manifests/<host>/<ns>/<model>/<tag>; -1 if unreadable. */
static int
ollama_manifest(struct scan *s, const char *mpath, const char *host,
    const char *ns, const char *model, const char *tag,
    struct blobent *blobs, size_t nblobs, unsigned char *refd)
{
	struct stat	 sb;
	json_t		*j, *layers;
	json_error_t	 err;
	char		*name;
	size_t		 mi, i;

	if (stat(mpath, &sb) != 0) {
		if (errno == ENOENT) {
			s->idx->vanished++;
			return 0;
		}
		scan_warn(s, mpath, "cannot stat manifest: %s",
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
		return 0;
	if (sb.st_size > MODELSTORE_MANIFEST_MAX) {
		scan_warn(s, mpath, "manifest larger than %d bytes; ignored",
		    MODELSTORE_MANIFEST_MAX);
		return -1;
	}
	if ((j = json_load_file(mpath, 0, &err)) == NULL) {
		scan_warn(s, mpath, "cannot parse manifest: %s (line %d)",
		    err.text, err.line);
		return -1;
	}
	layers = json_object_get(j, "layers");
	if (!json_is_object(j) || !json_is_array(layers)) {
		scan_warn(s, mpath, "manifest has no layers array");
		json_decref(j);
		return -1;
	}
	name = modelstore_ollama_name(host, ns, model, tag);
	mi = scan_add_model(s, name, "", mpath);
	free(name);
	ollama_layer(s, mi, json_object_get(j, "config"), blobs, nblobs, refd,
	    mpath, "application/vnd.docker.container.image.v1+json");
	for (i = 0; i < json_array_size(layers); i++)
		ollama_layer(s, mi, json_array_get(layers, i), blobs, nblobs,
		    refd, mpath, "");
	json_decref(j);
	return 0;
}

/* List the subdirectories (following symlinks) of path. */
static int
list_subdirs(struct scan *s, const char *path, int want_dirs, char ***namesp,
    size_t *np)
{
	struct stat	 sb;
	char		**names, *p;
	size_t		 n, i, k = 0;
	int		 rc;

	if ((rc = list_dir(s, path, 1, &names, &n)) != 0)
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

static void
scan_ollama(struct scan *s, const char *root)
{
	struct blobent	*blobs = NULL;
	struct stat	 lsb;
	unsigned char	*refd = NULL;
	char		*bdir, *mdir, *path, **names = NULL;
	char		**hosts = NULL, **nss = NULL, **models = NULL, **tags = NULL;
	size_t		 nnames = 0, nblobs = 0, nh = 0, nn = 0, nm = 0, nt = 0;
	size_t		 i, a, b, c, d, fi;
	int		 manifests_ok = 1;

	bdir = xasprintf("%s/blobs", root);
	mdir = xasprintf("%s/manifests", root);

	/* blobs/: only sha256-<64 lowercase hex> is a finished blob. */
	if (list_dir(s, bdir, 0, &names, &nnames) == 0) {
		for (i = 0; i < nnames && !scan_cancelled(s); i++) {
			path = xasprintf("%s/%s", bdir, names[i]);
			if (lstat(path, &lsb) != 0) {
				s->idx->vanished++;
				free(path);
				continue;
			}
			if (modelstore_is_partial(names[i]) ||
			    modelstore_is_temp(names[i])) {
				if (S_ISREG(lsb.st_mode))
					scan_partial(s, path, &lsb,
					    "unfinished Ollama download");
			} else if (strncmp(names[i], "sha256-", 7) == 0 &&
			    is_hex(names[i] + 7, 64)) {
				if (S_ISLNK(lsb.st_mode))
					scan_warn(s, path, "symlink in Ollama "
					    "blobs/");
				if (scan_blob(s, path, MODELSTORE_DIGEST_NAME,
				    names[i] + 7, &lsb, "Ollama blobs/",
				    &fi) == 0) {
					blobs = xreallocarray(blobs,
					    nblobs + 1, sizeof(*blobs));
					snprintf(blobs[nblobs].name,
					    sizeof(blobs[nblobs].name), "%s",
					    names[i]);
					blobs[nblobs].file = fi;
					blobs[nblobs].path = path;
					blobs[nblobs].size =
					    (uint64_t)lsb.st_size;
					blobs[nblobs].mtime_ns =
					    osdep_stat_mtime_ns(&lsb);
					nblobs++;
					path = NULL;
				}
			}
			free(path);
		}
		free_names(names, nnames);
	}
	if (nblobs > 1)
		qsort(blobs, nblobs, sizeof(*blobs), cmp_blobent);
	refd = xcalloc(nblobs + 1, 1);

	/* manifests/: exactly <host>/<namespace>/<model>/<tag>. */
	if (list_subdirs(s, mdir, 1, &hosts, &nh) != 0 && is_dir(mdir))
		manifests_ok = 0;
	for (a = 0; a < nh && !scan_cancelled(s); a++) {
		path = xasprintf("%s/%s", mdir, hosts[a]);
		if (list_subdirs(s, path, 1, &nss, &nn) != 0)
			manifests_ok = 0;
		free(path);
		for (b = 0; b < nn; b++) {
			path = xasprintf("%s/%s/%s", mdir, hosts[a], nss[b]);
			if (list_subdirs(s, path, 1, &models, &nm) != 0)
				manifests_ok = 0;
			free(path);
			for (c = 0; c < nm; c++) {
				path = xasprintf("%s/%s/%s/%s", mdir, hosts[a],
				    nss[b], models[c]);
				if (list_subdirs(s, path, 0, &tags, &nt) != 0)
					manifests_ok = 0;
				for (d = 0; d < nt; d++) {
					char *mp = xasprintf("%s/%s", path,
					    tags[d]);

					if (ollama_manifest(s, mp, hosts[a],
					    nss[b], models[c], tags[d], blobs,
					    nblobs, refd) != 0)
						manifests_ok = 0;
					free(mp);
				}
				free_names(tags, nt);
				tags = NULL;
				nt = 0;
				free(path);
			}
			free_names(models, nm);
			models = NULL;
			nm = 0;
		}
		free_names(nss, nn);
		nss = NULL;
		nn = 0;
	}
	free_names(hosts, nh);

	/* Like Ollama's own prune: no orphan verdicts if a manifest failed. */
	if (!manifests_ok || scan_cancelled(s)) {
		if (nblobs > 0 && !scan_cancelled(s))
			scan_warn(s, mdir, "a manifest could not be read; "
			    "orphaned blobs are not reported");
	} else {
		for (i = 0; i < nblobs; i++)
			if (!refd[i])
				scan_add_cleanup(s,
				    MODELSTORE_CLEANUP_ORPHAN_BLOB,
				    blobs[i].path, blobs[i].size,
				    blobs[i].mtime_ns,
				    "Ollama blob no manifest references");
	}
	free(refd);
	free_blobents(blobs, nblobs);
	free(bdir);
	free(mdir);
}

/* ---- Hugging Face hub cache ---- */

struct hfref {
	char	*name;
	char	 commit[41];
};

/* Collect the files under refs/ that hold a 40-hex commit. */
static void
hf_refs(struct scan *s, const char *dir, const char *rel, int depth,
    struct hfref **refsp, size_t *np)
{
	struct stat	 sb;
	char		**names = NULL, *path, *sub, *line;
	size_t		 n = 0, i;

	if (depth > 8 || list_dir(s, dir, 1, &names, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		sub = rel[0] == '\0' ? xstrdup(names[i]) :
		    xasprintf("%s/%s", rel, names[i]);
		if (stat(path, &sb) != 0)
			s->idx->vanished++;
		else if (S_ISDIR(sb.st_mode))
			hf_refs(s, path, sub, depth + 1, refsp, np);
		else if (S_ISREG(sb.st_mode) &&
		    (line = read_line(path)) != NULL) {
			if (is_hex(line, 40)) {
				*refsp = xreallocarray(*refsp, *np + 1,
				    sizeof(**refsp));
				(*refsp)[*np].name = xstrdup(sub);
				memcpy((*refsp)[*np].commit, line, 41);
				(*np)++;
			} else
				scan_warn(s, path, "ref is not a commit hash");
			free(line);
		}
		free(sub);
		free(path);
	}
	free_names(names, n);
}

/* Walk one snapshots/<commit>/ tree, linking its files to model mi. */
static void
hf_snapshot(struct scan *s, size_t mi, const char *dir, const char *rel,
    int depth)
{
	struct stat	 sb, lsb;
	char		**names = NULL, *path, *sub, *real, *hex;
	char		 link[PATH_MAX];
	const char	*base;
	ssize_t		 ll;
	size_t		 n = 0, i, fi;

	if (depth > MODELSTORE_MAX_DEPTH ||
	    list_dir(s, dir, 0, &names, &n) != 0)
		return;
	for (i = 0; i < n && !scan_cancelled(s); i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		sub = rel[0] == '\0' ? xstrdup(names[i]) :
		    xasprintf("%s/%s", rel, names[i]);
		if (lstat(path, &lsb) != 0) {
			s->idx->vanished++;
			goto next;
		}
		if (S_ISDIR(lsb.st_mode)) {
			hf_snapshot(s, mi, path, sub, depth + 1);
			goto next;
		}
		if (S_ISREG(lsb.st_mode)) {
			/* A cache written without symlinks: no digest. */
			fi = scan_add_file(s, path, &lsb,
			    MODELSTORE_DIGEST_NONE, NULL);
			model_add_file(s, mi, fi, sub);
			goto next;
		}
		if (!S_ISLNK(lsb.st_mode))
			goto next;
		if (stat(path, &sb) != 0) {
			scan_warn(s, path, "%s", errno == ELOOP ?
			    "symlink loop" : "broken symlink in snapshot");
			goto next;
		}
		if (!S_ISREG(sb.st_mode))
			goto next;
		if ((real = realpath(path, NULL)) == NULL) {
			s->idx->vanished++;
			goto next;
		}
		/* The link's own target names the blob (etag). */
		hex = NULL;
		if ((ll = readlink(path, link, sizeof(link) - 1)) > 0) {
			link[ll] = '\0';
			base = strrchr(link, '/');
			base = base != NULL ? base + 1 : link;
			if (is_hex(base, 64))
				hex = xstrdup(base);
		}
		fi = scan_add_file(s, real, &sb, MODELSTORE_DIGEST_HF_BLOB, hex);
		model_add_file(s, mi, fi, sub);
		free(hex);
		free(real);
next:
		free(sub);
		free(path);
	}
	free_names(names, n);
}

static void
hf_repo(struct scan *s, const char *hub, const char *dirname)
{
	struct hfref	*refs = NULL;
	struct blobent	*blobs = NULL;
	struct stat	 lsb;
	unsigned char	*attached = NULL, *seen = NULL;
	char		*repo, *rdir, *p, **names = NULL, **revs = NULL;
	size_t		 nrefs = 0, nblobs = 0, nnames = 0, nrevs = 0;
	size_t		 i, k, first_model, mi, fi;
	uint64_t	 bytes;
	struct modelstore_model *m;

	/* models--org--name → org/name (repo ids never contain "--"). */
	repo = xstrdup(dirname + strlen("models--"));
	for (p = repo; (p = strstr(p, "--")) != NULL; p++) {
		memmove(p, p + 1, strlen(p));
		*p = '/';
	}
	rdir = xasprintf("%s/%s", hub, dirname);

	p = xasprintf("%s/refs", rdir);
	hf_refs(s, p, "", 0, &refs, &nrefs);
	free(p);

	/* blobs/: finished blobs, and .incomplete downloads. */
	p = xasprintf("%s/blobs", rdir);
	if (list_dir(s, p, 0, &names, &nnames) == 0) {
		for (i = 0; i < nnames && !scan_cancelled(s); i++) {
			char	*bp = xasprintf("%s/%s", p, names[i]);

			if (lstat(bp, &lsb) != 0) {
				s->idx->vanished++;
			} else if (modelstore_is_partial(names[i]) ||
			    modelstore_is_temp(names[i])) {
				if (S_ISREG(lsb.st_mode))
					scan_partial(s, bp, &lsb, repo);
			} else if (names[i][0] != '.' &&
			    scan_blob(s, bp, MODELSTORE_DIGEST_HF_BLOB,
			    is_hex(names[i], 64) ? names[i] : NULL, &lsb,
			    "HF blobs/", &fi) == 0) {
				blobs = xreallocarray(blobs, nblobs + 1,
				    sizeof(*blobs));
				snprintf(blobs[nblobs].name,
				    sizeof(blobs[nblobs].name), "%s", names[i]);
				blobs[nblobs].file = fi;
				blobs[nblobs].path = bp;
				blobs[nblobs].size = (uint64_t)lsb.st_size;
				blobs[nblobs].mtime_ns =
				    osdep_stat_mtime_ns(&lsb);
				nblobs++;
				bp = NULL;
			}
			free(bp);
		}
		free_names(names, nnames);
	}
	free(p);

	/* snapshots/<commit>/: one model per revision. */
	first_model = s->idx->nmodels;
	p = xasprintf("%s/snapshots", rdir);
	if (list_subdirs(s, p, 1, &revs, &nrevs) == 0) {
		for (i = 0; i < nrevs && !scan_cancelled(s); i++) {
			char	*sp = xasprintf("%s/%s", p, revs[i]);
			char	*joined = xstrdup(""), *t;

			mi = scan_add_model(s, repo, revs[i], sp);
			for (k = 0; k < nrefs; k++) {
				if (strcmp(refs[k].commit, revs[i]) != 0)
					continue;
				t = xasprintf("%s%s%s", joined,
				    joined[0] != '\0' ? "," : "", refs[k].name);
				free(joined);
				joined = t;
			}
			m = &s->idx->models[mi];
			free(m->refs);
			m->refs = joined;
			m->detached = joined[0] == '\0';
			hf_snapshot(s, mi, sp, "", 0);
			free(sp);
		}
		free_names(revs, nrevs);
	}
	free(p);
	for (k = 0; k < nrefs; k++) {
		for (i = first_model; i < s->idx->nmodels; i++)
			if (strcmp(s->idx->models[i].revision,
			    refs[k].commit) == 0)
				break;
		if (i == s->idx->nmodels)
			scan_warn(s, rdir, "ref %s points to missing "
			    "snapshot %s", refs[k].name, refs[k].commit);
	}

	/*
	 * Detached revisions free the blobs no attached revision uses; blobs
	 * no revision uses at all are orphans.
	 */
	if (!scan_cancelled(s)) {
		attached = xcalloc(s->idx->nfiles + 1, 1);
		seen = xcalloc(s->idx->nfiles + 1, 1);
		for (i = first_model; i < s->idx->nmodels; i++) {
			m = &s->idx->models[i];
			for (k = 0; k < m->nfiles; k++) {
				seen[m->files[k].file] = 1;
				if (!m->detached)
					attached[m->files[k].file] = 1;
			}
		}
		for (i = first_model; i < s->idx->nmodels; i++) {
			m = &s->idx->models[i];
			if (!m->detached)
				continue;
			bytes = 0;
			for (k = 0; k < m->nfiles; k++) {
				fi = m->files[k].file;
				if (attached[fi] == 0) {
					bytes += s->idx->files[fi].size;
					attached[fi] = 2;	/* count once */
				}
			}
			for (k = 0; k < m->nfiles; k++)
				if (attached[m->files[k].file] == 2)
					attached[m->files[k].file] = 0;
			scan_add_cleanup(s, MODELSTORE_CLEANUP_DETACHED_REVISION,
			    m->path, bytes, 0, repo);
		}
		for (i = 0; i < nblobs; i++)
			if (!seen[blobs[i].file])
				scan_add_cleanup(s,
				    MODELSTORE_CLEANUP_ORPHAN_BLOB,
				    blobs[i].path, blobs[i].size,
				    blobs[i].mtime_ns, repo);
	}
	free(attached);
	free(seen);
	for (k = 0; k < nrefs; k++)
		free(refs[k].name);
	free(refs);
	free_blobents(blobs, nblobs);
	free(rdir);
	free(repo);
}

static void
scan_hf(struct scan *s, const char *hub)
{
	char	**names = NULL;
	size_t	  n = 0, i;

	if (list_dir(s, hub, 1, &names, &n) != 0)
		return;
	for (i = 0; i < n && !scan_cancelled(s); i++) {
		if (strncmp(names[i], "models--", 8) != 0 ||
		    names[i][8] == '\0')
			continue;
		hf_repo(s, hub, names[i]);
	}
	free_names(names, n);
}

/* ---- LM Studio and local folders ---- */

/* The model a relative path belongs to: its first ncomp directories. */
static void
tree_file(struct scan *s, const char *path, const char *rel,
    const struct stat *sb, size_t ncomp)
{
	struct modelstore_model	*m;
	const char		*p = rel, *slash;
	char			*key, *mpath;
	size_t			 c = 0, fi;
	long			 mi = -1, i;

	/* Key = up to ncomp leading directories; a loose file is its own. */
	while (c < ncomp && (slash = strchr(p, '/')) != NULL) {
		p = slash + 1;
		c++;
	}
	key = c == 0 ? xstrdup(rel) : xstrndup(rel, (size_t)(p - rel - 1));
	if (s->last_model >= 0 &&
	    strcmp(s->idx->models[s->last_model].name, key) == 0 &&
	    s->idx->models[s->last_model].store == s->store)
		mi = s->last_model;
	for (i = (long)s->idx->nmodels - 1; mi < 0 && i >= 0; i--) {
		m = &s->idx->models[i];
		if (m->store != s->store)
			break;
		if (strcmp(m->name, key) == 0)
			mi = i;
	}
	if (mi < 0) {
		mpath = xasprintf("%s/%s", s->canon[s->store], key);
		mi = (long)scan_add_model(s, key, "", mpath);
		free(mpath);
	}
	s->last_model = mi;
	fi = scan_add_file(s, path, sb, MODELSTORE_DIGEST_NONE, NULL);
	model_add_file(s, (size_t)mi, fi, c == 0 ? rel : p);
	free(key);
}

static void
lmstudio_file(struct scan *s, const char *path, const char *rel,
    const struct stat *sb)
{
	tree_file(s, path, rel, sb, 2);	/* <publisher>/<model>/... */
}

static void
local_file(struct scan *s, const char *path, const char *rel,
    const struct stat *sb)
{
	tree_file(s, path, rel, sb, 1);	/* <model dir>/... or a loose file */
}

/* ---- driver ---- */

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
	struct scan		 s;
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
		ms->present = s.canon[i] != NULL && is_dir(s.canon[i]);
		ms->path = xstrdup(s.canon[i] != NULL ? s.canon[i] :
		    roots->v[i].path);
	}
	for (i = 0; i < roots->n && !scan_cancelled(&s); i++) {
		ms = &idx->stores[i];
		s.store = i;
		s.last_model = -1;
		if (!ms->present) {
			scan_warn(&s, ms->path, "store not found");
			continue;
		}
		for (k = 0; k < i; k++)
			if (s.canon[k] != NULL &&
			    strcmp(s.canon[k], s.canon[i]) == 0)
				break;
		if (k < i) {
			scan_warn(&s, ms->path, "listed twice; scanned once "
			    "as %s", modelstore_kind_name(idx->stores[k].kind));
			continue;
		}
		if (stat(ms->path, &sb) == 0)
			(void)dirset_add(&s.dirs, (uint64_t)sb.st_dev,
			    (uint64_t)sb.st_ino);
		switch (ms->kind) {
		case MODELSTORE_OLLAMA:
			scan_ollama(&s, ms->path);
			break;
		case MODELSTORE_HF:
			scan_hf(&s, ms->path);
			break;
		case MODELSTORE_LMSTUDIO:
			walk_tree(&s, ms->path, "", 0, lmstudio_file);
			break;
		case MODELSTORE_LOCAL:
			walk_tree(&s, ms->path, "", 0, local_file);
			break;
		}
	}
	if (scan_cancelled(&s))
		rc = -ECANCELED;
	else {
		index_finish(idx);
		s.prog.phase = DEDUP_PHASE_SCAN;
		scan_progress(&s, NULL, 1);
	}
	for (i = 0; i < roots->n; i++)
		free(s.canon[i]);
	free(s.canon);
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
