/* SPDX-License-Identifier: ISC */
/*
 * cache_delete.c: freeing space — cleanup candidates (POST /v1/cache/clean)
 * and whole models (POST /v1/cache/remove). Runs on the cache worker.
 *
 * Every deletion works from an index made by a scan just before, never from
 * an older one, and re-checks each file against it (device, inode, size and
 * mtime) right before unlinking. A file is deleted only when no model
 * outside the ones being removed references it — another manifest, another
 * snapshot, or another store linking to it — and only when it lies in the
 * store's own blob folder (a snapshot link is removed, its resolved target
 * is judged on its own). Like huggingface_hub, references (manifests,
 * snapshots, refs) go first and blobs last, so an interruption never leaves
 * a model pointing at a deleted blob; like Ollama, no blob is deleted from a
 * store where some manifest could not be read. A dry run lists what would go
 * and changes nothing.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache.h"
#include "cache_int.h"
#include "log.h"
#include "modelstore.h"
#include "osdep.h"
#include "store_cache.h"
#include "xmalloc.h"

/* One delete run over a fresh index. */
struct cd {
	struct cache_task		*t;
	const struct modelstore_index	*idx;
	unsigned char			*rm;		/* models going */
	size_t				*extref;	/* refs from others */
	unsigned char			*done;		/* files handled */
	int				 dry_run;
	json_t				*items;
	size_t				 nitems;
	uint64_t			 bytes;		/* listed */
	uint64_t			 freed;
	size_t				 ndeleted, nkept, nfailed;
	const char			*container;	/* group path */
	size_t				 group_failed, group_kept;
};

static const char *const cd_clean_names[] = {
	"orphan_blob", "detached_revision", "stale_partial", "stale_temp",
	"unused_model",
};

static void
cd_item(struct cd *d, const char *kind, const char *path, uint64_t size,
    const char *action, const char *reason)
{
	if (d->nitems++ < CACHE_RESULT_MAX)
		json_array_append_new(d->items, json_pack("{s:s, s:s, s:I, "
		    "s:s, s:s?, s:s?}", "kind", kind, "path", path, "size_bytes",
		    (json_int_t)size, "action", action, "reason", reason,
		    "of", d->container));
	if (strcmp(action, "deleted") == 0) {
		d->ndeleted++;
		d->freed += size;
	} else if (strcmp(action, "kept") == 0)
		d->nkept++;
	else if (strcmp(action, "failed") == 0)
		d->nfailed++;
	if (strcmp(action, "kept") != 0 && strcmp(action, "failed") != 0)
		d->bytes += size;
}

/*
 * A candidate made of several deletions (a detached revision, an unused
 * model): listed first, its parts after it with "of" set to its path; its
 * action is known once the parts are done (cd_group_end).
 */
static json_t *
cd_group_begin(struct cd *d, const char *kind, const char *path,
    uint64_t size, const char *detail)
{
	json_t	*o = NULL;

	if (d->nitems++ < CACHE_RESULT_MAX) {
		o = json_pack("{s:s, s:s, s:I, s:s, s:s?}", "kind", kind,
		    "path", path, "size_bytes", (json_int_t)size, "action",
		    d->dry_run ? "would_delete" : "deleted", "reason", detail);
		json_array_append_new(d->items, o);
	}
	d->container = path;
	d->group_failed = d->nfailed;
	d->group_kept = d->nkept;
	return o;
}

static void
cd_group_end(struct cd *d, json_t *o)
{
	d->container = NULL;
	if (o == NULL || d->dry_run)
		return;
	if (d->nfailed > d->group_failed)
		json_object_set_new(o, "action", json_string("failed"));
	else if (d->nkept > d->group_kept)
		json_object_set_new(o, "action", json_string("partly_deleted"));
}

/* For each file, how many models that are not being removed use it. */
static void
cd_count_refs(struct cd *d)
{
	const struct modelstore_index	*idx = d->idx;
	const struct modelstore_model	*m;
	unsigned char			*mark;
	size_t				 i, k;

	free(d->extref);
	d->extref = xcalloc(idx->nfiles + 1, sizeof(*d->extref));
	mark = xcalloc(idx->nfiles + 1, 1);
	for (i = 0; i < idx->nmodels; i++) {
		if (d->rm[i])
			continue;
		m = &idx->models[i];
		for (k = 0; k < m->nfiles; k++)
			if (!mark[m->files[k].file]) {
				mark[m->files[k].file] = 1;
				d->extref[m->files[k].file]++;
			}
		for (k = 0; k < m->nfiles; k++)
			mark[m->files[k].file] = 0;
	}
	free(mark);
}

/* A model that is not being removed and uses file fi, or NULL. */
static const struct modelstore_model *
cd_user_of(const struct cd *d, size_t fi)
{
	const struct modelstore_model	*m;
	size_t				 i, k;

	for (i = 0; i < d->idx->nmodels; i++) {
		if (d->rm[i])
			continue;
		m = &d->idx->models[i];
		for (k = 0; k < m->nfiles; k++)
			if (m->files[k].file == fi)
				return m;
	}
	return NULL;
}

static int
cd_under(const char *path, const char *dir)
{
	size_t	n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

/* Unlink path if it is still the file the index saw; 0 or -errno. */
static int
cd_unlink_same(const char *path, const struct modelstore_file *f)
{
	struct stat	sb;

	if (lstat(path, &sb) != 0)
		return -errno;
	if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_dev != f->dev ||
	    (uint64_t)sb.st_ino != f->ino || (uint64_t)sb.st_size != f->size ||
	    osdep_stat_mtime_ns(&sb) != f->mtime_ns)
		return -ESTALE;
	return unlink(path) == 0 ? 0 : -errno;
}

/* Remove empty folders from dir up to (not including) stop. */
static void
cd_prune_dirs(const char *dir, const char *stop)
{
	char	*p = xstrdup(dir), *slash;

	while (cd_under(p, stop) && rmdir(p) == 0) {
		if ((slash = strrchr(p, '/')) == NULL)
			break;
		*slash = '\0';
	}
	free(p);
}

/* Remove a directory tree without following symlinks. */
int
cache_rmtree(const char *path)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*dir;
	char		*sub;
	int		 rc = 0, r;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(sb.st_mode))
		return unlink(path) == 0 ? 0 : -errno;
	if ((dir = opendir(path)) == NULL)
		return -errno;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if ((r = cache_rmtree(sub)) != 0 && rc == 0)
			rc = r;
		free(sub);
	}
	closedir(dir);
	if (rc == 0 && rmdir(path) != 0)
		rc = -errno;
	return rc;
}

/* 1 if the scan met a problem under dir of store si (e.g. a manifest). */
static int
cd_warned_under(const struct cd *d, size_t si, const char *dir,
    const char *except)
{
	const struct modelstore_warning	*w;
	size_t				 i;

	for (i = 0; i < d->idx->nwarnings; i++) {
		w = &d->idx->warnings[i];
		if (w->store != si || !(cd_under(w->path, dir) ||
		    strcmp(w->path, dir) == 0))
			continue;
		if (except != NULL && (cd_under(w->path, except) ||
		    strcmp(w->path, except) == 0))
			continue;
		return 1;
	}
	return 0;
}

/* Delete (or list) the blobs of model mi nobody else uses. */
static void
cd_model_blobs(struct cd *d, size_t mi, const char *blobdir, int keep_all,
    const char *why)
{
	const struct modelstore_model	*m = &d->idx->models[mi];
	const struct modelstore_model	*other;
	const struct modelstore_file	*f;
	char				 reason[PATH_MAX + 64];
	size_t				 k, fi;
	int				 rc;

	for (k = 0; k < m->nfiles; k++) {
		fi = m->files[k].file;
		f = &d->idx->files[fi];
		if (d->done[fi])
			continue;
		d->done[fi] = 1;
		if (d->extref[fi] > 0) {
			other = cd_user_of(d, fi);
			snprintf(reason, sizeof(reason), "still used by %s:%s",
			    modelstore_kind_name(d->idx->stores[other !=
			    NULL ? other->store : 0].kind), other != NULL ?
			    other->name : "?");
			cd_item(d, "blob", f->path, f->size, "kept", reason);
			continue;
		}
		if (keep_all) {
			cd_item(d, "blob", f->path, f->size, "kept", why);
			continue;
		}
		if (!cd_under(f->path, blobdir)) {
			cd_item(d, "blob", f->path, f->size, "kept", "outside "
			    "the store's blob folder");
			continue;
		}
		if (d->dry_run) {
			cd_item(d, "blob", f->path, f->size, "would_delete",
			    NULL);
			continue;
		}
		rc = cd_unlink_same(f->path, f);
		cache_work_tick(d->t, f->path, f->size);
		if (rc == 0 || rc == -ENOENT)
			cd_item(d, "blob", f->path, rc == 0 ? f->size : 0,
			    "deleted", rc == 0 ? NULL : "already gone");
		else
			cd_item(d, "blob", f->path, f->size, rc == -ESTALE ?
			    "kept" : "failed", rc == -ESTALE ? "changed since "
			    "the scan" : strerror(-rc));
	}
}

static void
cd_ollama_model(struct cd *d, size_t mi)
{
	const struct modelstore_model	*m = &d->idx->models[mi];
	const char			*root = d->idx->stores[m->store].path;
	char				*mdir, *bdir, *dir, *slash;
	int				 bad;

	mdir = xasprintf("%s/manifests", root);
	bdir = xasprintf("%s/blobs", root);
	bad = cd_warned_under(d, m->store, mdir, NULL);
	if (d->dry_run)
		cd_item(d, "manifest", m->path, 0, "would_delete", NULL);
	else if (unlink(m->path) == 0 || errno == ENOENT) {
		cd_item(d, "manifest", m->path, 0, "deleted", NULL);
		dir = xstrdup(m->path);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			cd_prune_dirs(dir, mdir);
		}
		free(dir);
	} else {
		cd_item(d, "manifest", m->path, 0, "failed", strerror(errno));
		bad = 1;
	}
	cd_model_blobs(d, mi, bdir, bad, "kept: a manifest of this store "
	    "could not be read, so it may use this blob");
	free(mdir);
	free(bdir);
}

/* Read a ref file: 1 if it names commit. */
static int
cd_ref_is(const char *path, const char *commit)
{
	char	 buf[64];
	FILE	*f;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	return strcmp(buf, commit) == 0;
}

static int
cd_dir_empty(const char *path)
{
	struct dirent	*de;
	DIR		*dir;
	int		 empty = 1;

	if ((dir = opendir(path)) == NULL)
		return errno == ENOENT;
	while (empty && (de = readdir(dir)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			empty = 0;
	closedir(dir);
	return empty;
}

static void
cd_hf_model(struct cd *d, size_t mi)
{
	const struct modelstore_model	*m = &d->idx->models[mi];
	const struct modelstore_file	*f;
	char				*repo, *snaps, *bdir, *p, *slash;
	const char			*r;
	size_t				 k, n;
	int				 bad = 0, rc;

	repo = xstrdup(m->path);
	for (k = 0; k < 2 && (slash = strrchr(repo, '/')) != NULL; k++)
		*slash = '\0';
	snaps = xasprintf("%s/snapshots", repo);
	bdir = xasprintf("%s/blobs", repo);
	/* A revision we could not read may use the same blobs. */
	bad = cd_warned_under(d, m->store, snaps, m->path);
	/* A file stored in the snapshot itself that others still use. */
	for (k = 0; k < m->nfiles; k++) {
		f = &d->idx->files[m->files[k].file];
		if (cd_under(f->path, m->path) && d->extref[m->files[k].file])
			break;
	}
	if (k < m->nfiles) {
		cd_item(d, "snapshot", m->path, 0, "kept", "another model "
		    "links to a file stored in it");
		free(repo);
		free(snaps);
		free(bdir);
		return;
	}
	if (d->dry_run)
		cd_item(d, "snapshot", m->path, 0, "would_delete", NULL);
	else if ((rc = cache_rmtree(m->path)) == 0)
		cd_item(d, "snapshot", m->path, 0, "deleted", NULL);
	else {
		cd_item(d, "snapshot", m->path, 0, "failed", strerror(-rc));
		bad = 1;
	}
	/* Refs that point at this revision go with it. */
	for (r = m->refs; *r != '\0';) {
		n = strcspn(r, ",");
		p = xasprintf("%s/refs/%.*s", repo, (int)n, r);
		if (cd_ref_is(p, m->revision)) {
			if (d->dry_run)
				cd_item(d, "ref", p, 0, "would_delete", NULL);
			else if (unlink(p) == 0)
				cd_item(d, "ref", p, 0, "deleted", NULL);
		}
		free(p);
		r += n;
		if (*r == ',')
			r++;
	}
	cd_model_blobs(d, mi, bdir, bad, "kept: a revision of this repo "
	    "could not be read");
	/* The last revision gone: the repo folder goes if nothing is left. */
	if (!d->dry_run && !bad && cd_dir_empty(snaps)) {
		p = xasprintf("%s/refs", repo);
		(void)cache_rmtree(p);
		free(p);
		p = xasprintf("%s/.no_exist", repo);
		(void)cache_rmtree(p);
		free(p);
		p = xasprintf("%s/trees", repo);
		(void)cache_rmtree(p);
		free(p);
		(void)rmdir(snaps);
		(void)rmdir(bdir);
		(void)rmdir(repo);
	}
	free(repo);
	free(snaps);
	free(bdir);
}

/* Remove the empty folders of a tree, bottom up (never following links). */
static void
cd_rmdir_empty(const char *path)
{
	struct dirent	*de;
	struct stat	 sb;
	DIR		*dir;
	char		*sub;

	if ((dir = opendir(path)) == NULL)
		return;
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = xasprintf("%s/%s", path, de->d_name);
		if (lstat(sub, &sb) == 0 && S_ISDIR(sb.st_mode))
			cd_rmdir_empty(sub);
		free(sub);
	}
	closedir(dir);
	(void)rmdir(path);
}

/* LM Studio and local models: their own files, and links to others'. */
static void
cd_tree_model(struct cd *d, size_t mi)
{
	const struct modelstore_model	*m = &d->idx->models[mi];
	const struct modelstore_file	*f;
	struct stat			 sb, lsb;
	char				*entry;
	size_t				 k, fi;
	int				 isdir, rc;

	isdir = stat(m->path, &sb) == 0 && S_ISDIR(sb.st_mode);
	for (k = 0; k < m->nfiles; k++) {
		fi = m->files[k].file;
		f = &d->idx->files[fi];
		entry = isdir ? xasprintf("%s/%s", m->path, m->files[k].name) :
		    xstrdup(m->path);
		if (lstat(entry, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
			/* A link: only the link goes; its target is judged
			 * with the model that owns it. */
			if (d->dry_run)
				cd_item(d, "link", entry, 0, "would_delete",
				    NULL);
			else if (unlink(entry) == 0)
				cd_item(d, "link", entry, 0, "deleted", NULL);
			else
				cd_item(d, "link", entry, 0, "failed",
				    strerror(errno));
		} else if (d->extref[fi] > 0) {
			cd_item(d, "file", entry, f->size, "kept", "another "
			    "model links to it");
		} else if (strcmp(entry, f->path) != 0) {
			cd_item(d, "file", entry, f->size, "kept", "reached "
			    "through a linked folder");
		} else if (d->dry_run) {
			cd_item(d, "file", entry, f->size, "would_delete",
			    NULL);
		} else {
			rc = cd_unlink_same(entry, f);
			cache_work_tick(d->t, entry, f->size);
			cd_item(d, "file", entry, f->size, rc == 0 ?
			    "deleted" : rc == -ESTALE ? "kept" : "failed",
			    rc == 0 ? NULL : rc == -ESTALE ? "changed since "
			    "the scan" : strerror(-rc));
		}
		free(entry);
	}
	if (!d->dry_run && isdir) {
		char	*parent = xstrdup(m->path), *slash;

		/* Empty folders left behind, up to the store's root. */
		cd_rmdir_empty(m->path);
		if ((slash = strrchr(parent, '/')) != NULL) {
			*slash = '\0';
			cd_prune_dirs(parent, d->idx->stores[m->store].path);
		}
		free(parent);
	}
}

/* Delete (or list) model mi; the caller has set d->rm and counted refs. */
static void
cd_model(struct cd *d, size_t mi)
{
	switch (d->idx->stores[d->idx->models[mi].store].kind) {
	case MODELSTORE_OLLAMA:
		cd_ollama_model(d, mi);
		break;
	case MODELSTORE_HF:
		cd_hf_model(d, mi);
		break;
	case MODELSTORE_LMSTUDIO:
	case MODELSTORE_LOCAL:
		cd_tree_model(d, mi);
		break;
	}
}

/* Bytes removing model mi frees (files nobody else uses). */
static uint64_t
cd_model_bytes(const struct cd *d, size_t mi)
{
	const struct modelstore_model	*m = &d->idx->models[mi];
	uint64_t			 n = 0;
	size_t				 k;

	for (k = 0; k < m->nfiles; k++)
		if (d->extref[m->files[k].file] == 0)
			n += d->idx->files[m->files[k].file].size;
	return n;
}

static int
cd_path_wanted(const struct cd *d, const char *path)
{
	const struct cache_request	*r = &d->t->req;
	size_t				 i;

	if (r->npaths == 0)
		return 1;
	for (i = 0; i < r->npaths; i++)
		if (strcmp(r->paths[i], path) == 0)
			return 1;
	return 0;
}

static long
cd_model_at(const struct cd *d, const char *path)
{
	size_t	i;

	for (i = 0; i < d->idx->nmodels; i++)
		if (strcmp(d->idx->models[i].path, path) == 0)
			return (long)i;
	return -1;
}

/* One cleanup candidate of the scan. */
static void
cd_candidate(struct cd *d, const struct modelstore_cleanup *c)
{
	const char	*kind = cd_clean_names[c->kind];
	struct stat	 sb;
	json_t		*o;
	char		*real;
	long		 fi, mi;

	switch (c->kind) {
	case MODELSTORE_CLEANUP_DETACHED_REVISION:
		if ((mi = cd_model_at(d, c->path)) < 0) {
			cd_item(d, kind, c->path, c->size, "kept", "no longer "
			    "in the index");
			return;
		}
		memset(d->rm, 0, d->idx->nmodels);
		d->rm[mi] = 1;
		cd_count_refs(d);
		o = cd_group_begin(d, kind, c->path, c->size, c->detail);
		cd_model(d, (size_t)mi);
		cd_group_end(d, o);
		memset(d->rm, 0, d->idx->nmodels);
		cd_count_refs(d);
		return;
	case MODELSTORE_CLEANUP_ORPHAN_BLOB:
		/* Another store may link to it even if its own does not. */
		if ((real = realpath(c->path, NULL)) != NULL) {
			fi = modelstore_index_find(d->idx, real);
			free(real);
			if (fi >= 0 && d->extref[fi] > 0) {
				cd_item(d, kind, c->path, c->size, "kept",
				    "another model links to it");
				return;
			}
		}
		break;
	default:
		break;
	}
	if (d->dry_run) {
		cd_item(d, kind, c->path, c->size, "would_delete", c->detail);
		return;
	}
	if (lstat(c->path, &sb) != 0) {
		cd_item(d, kind, c->path, 0, "deleted", "already gone");
		return;
	}
	/* An HF blob that links into the shared store: only the link. */
	if (!S_ISLNK(sb.st_mode) && (!S_ISREG(sb.st_mode) ||
	    (uint64_t)sb.st_size != c->size ||
	    osdep_stat_mtime_ns(&sb) != c->mtime_ns)) {
		cd_item(d, kind, c->path, c->size, "kept", "changed since the "
		    "scan");
		return;
	}
	cache_work_tick(d->t, c->path, c->size);
	if (unlink(c->path) == 0)
		cd_item(d, kind, c->path, S_ISLNK(sb.st_mode) ? 0 : c->size,
		    "deleted", c->detail);
	else
		cd_item(d, kind, c->path, c->size, "failed", strerror(errno));
}

static json_t *
cd_result(struct cd *d)
{
	json_t	*o;

	o = json_pack("{s:b, s:O, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "dry_run", d->dry_run,
	    "items", d->items,
	    "items_total", (json_int_t)d->nitems,
	    "bytes", (json_int_t)d->bytes,
	    "freed_bytes", (json_int_t)d->freed,
	    "deleted", (json_int_t)d->ndeleted,
	    "kept", (json_int_t)d->nkept,
	    "failed", (json_int_t)d->nfailed);
	return o;
}

static void
cd_init(struct cd *d, struct cache_task *t,
    const struct modelstore_index *idx, int dry_run)
{
	memset(d, 0, sizeof(*d));
	d->t = t;
	d->idx = idx;
	d->dry_run = dry_run;
	d->rm = xcalloc(idx->nmodels + 1, 1);
	d->done = xcalloc(idx->nfiles + 1, 1);
	d->items = json_array();
	cd_count_refs(d);
}

static void
cd_free(struct cd *d)
{
	free(d->rm);
	free(d->done);
	free(d->extref);
	json_decref(d->items);
}

/* POST /v1/cache/clean. */
int
cache_delete_clean(struct cache_task *t)
{
	struct modelstore_index	*idx = NULL;
	struct cd		 d;
	json_t			*kinds, *o;
	size_t			 i, n;
	unsigned		 want = t->req.clean;
	int			 rc;

	if ((rc = cache_work_scan(t, &idx)) != 0)
		return rc;
	cd_init(&d, t, idx, t->req.dry_run);
	cache_work_step(t, d.dry_run ? "plan" : "delete", idx->ncleanup, 0);
	for (i = 0; i < idx->ncleanup && !t->cancel; i++) {
		if (!(want & (1u << idx->cleanup[i].kind)) ||
		    !cd_path_wanted(&d, idx->cleanup[i].path))
			continue;
		cd_candidate(&d, &idx->cleanup[i]);
	}
	if ((want & CACHE_CLEAN_UNUSED) && !t->cancel) {
		/* Every model no linked app uses, removed together. */
		for (i = 0, n = 0; i < idx->nmodels; i++)
			if (!t->used[i] && cd_path_wanted(&d,
			    idx->models[i].path)) {
				d.rm[i] = 1;
				n++;
			}
		cd_count_refs(&d);
		for (i = 0; i < idx->nmodels; i++) {
			if (!d.rm[i])
				continue;
			o = cd_group_begin(&d, "unused_model",
			    idx->models[i].path, cd_model_bytes(&d, i),
			    idx->models[i].name);
			cd_model(&d, i);
			cd_group_end(&d, o);
		}
		(void)n;
	}
	t->result = cd_result(&d);
	kinds = json_array();
	for (i = 0; i < sizeof(cd_clean_names) / sizeof(cd_clean_names[0]);
	    i++)
		if (want & (1u << i))
			json_array_append_new(kinds,
			    json_string(cd_clean_names[i]));
	json_object_set_new(t->result, "kinds", kinds);
	rc = t->cancel ? -ECANCELED : 0;
	if (!d.dry_run && d.ndeleted > 0) {
		modelstore_index_free(idx);
		idx = NULL;
		if (cache_work_scan(t, &idx) == 0)
			modelstore_index_free(idx);
		idx = NULL;
	}
	cd_free(&d);
	modelstore_index_free(idx);
	t->rc = rc;
	return rc;
}

/* POST /v1/cache/remove. */
int
cache_delete_remove(struct cache_task *t)
{
	struct modelstore_index	*idx = NULL;
	struct cd		 d;
	const struct modelstore_model *m;
	char			*ref;
	long			 mi = -1;
	size_t			 i, found = 0;
	int			 rc;

	if ((rc = cache_work_scan(t, &idx)) != 0)
		return rc;
	for (i = 0; i < idx->nmodels; i++) {
		m = &idx->models[i];
		if (cache_model_match(t->req.model,
		    idx->stores[m->store].kind, m->name, m->revision,
		    m->refs)) {
			mi = (long)i;
			found++;
		}
	}
	if (found != 1) {
		t->error = found == 0 ? xasprintf("no model '%s' in the "
		    "cache index", t->req.model) : xasprintf("'%s' names %zu "
		    "models", t->req.model, found);
		t->rc = found == 0 ? -ENOENT : -EEXIST;
		modelstore_index_free(idx);
		return t->rc;
	}
	if (t->used[mi] && !t->req.force) {
		t->error = xasprintf("%s is used by a linked app; unlink it or "
		    "pass --force (\"force\": true)", t->req.model);
		t->rc = -EBUSY;
		modelstore_index_free(idx);
		return t->rc;
	}
	cd_init(&d, t, idx, 0);
	d.rm[mi] = 1;
	cd_count_refs(&d);
	m = &idx->models[mi];
	cache_work_step(t, "delete", m->nfiles, 0);
	cd_model(&d, (size_t)mi);
	t->result = cd_result(&d);
	ref = store_cache_model_ref(idx->stores[m->store].kind, m->name,
	    m->revision);
	json_object_set_new(t->result, "model", json_string(ref));
	free(ref);
	log_info("cache: removed %s: %zu deleted, %zu kept", t->req.model,
	    d.ndeleted, d.nkept);
	cd_free(&d);
	modelstore_index_free(idx);
	idx = NULL;
	if (cache_work_scan(t, &idx) == 0)
		modelstore_index_free(idx);
	t->rc = 0;
	return 0;
}
