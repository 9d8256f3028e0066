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
#include <sys/file.h>
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
#include "where.h"
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

static const char *
cd_base(const char *path)
{
	const char	*slash = strrchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

/*
 * Unlink path if it is still the file the index saw; 0 or -errno. The
 * check and the unlink are made on the name in its folder, opened without
 * following any link (where_open_parent): a folder swapped for a symlink
 * since the scan is never followed, whatever the timing.
 */
static int
cd_unlink_same(const char *path, const struct modelstore_file *f)
{
	struct stat	 sb;
	const char	*base;
	int		 fd, rc;

	if (f->role == MODELSTORE_ROLE_EXTERNAL || !where_unchanged(path))
		return -ESTALE;
	if ((fd = where_open_parent(path, &base)) < 0)
		return fd == -ENOENT ? -ENOENT : -ESTALE;
	if (fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		rc = -errno;
	else if (!S_ISREG(sb.st_mode) || (uint64_t)sb.st_dev != f->dev ||
	    (uint64_t)sb.st_ino != f->ino || (uint64_t)sb.st_size != f->size ||
	    osdep_stat_mtime_ns(&sb) != f->mtime_ns)
		rc = -ESTALE;
	else
		rc = unlinkat(fd, base, 0) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* Remove the empty folder path, its folder opened without following. */
static int
cd_rmdir(const char *path)
{
	const char	*base;
	int		 fd, rc;

	if ((fd = where_open_parent(path, &base)) < 0)
		return fd;
	rc = unlinkat(fd, base, AT_REMOVEDIR) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* Remove empty folders from dir up to (not including) stop. */
static void
cd_prune_dirs(const char *dir, const char *stop)
{
	char	*p = xstrdup(dir), *slash;

	while (cd_under(p, stop) && cd_rmdir(p) == 0) {
		if ((slash = strrchr(p, '/')) == NULL)
			break;
		*slash = '\0';
	}
	free(p);
}

/* Remove name in folder pfd and everything below it; never follows. */
static int
cd_rmtree_at(int pfd, const char *name, int depth)
{
	struct stat	 sb;
	struct dirent	*de;
	DIR		*dir;
	int		 fd, rc = 0, r;

	if (fstatat(pfd, name, &sb, AT_SYMLINK_NOFOLLOW) != 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(sb.st_mode))
		return unlinkat(pfd, name, 0) == 0 || errno == ENOENT ? 0 :
		    -errno;
	if (depth > 256)
		return -ELOOP;
	if ((fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return -errno;
	if ((dir = fdopendir(fd)) == NULL) {
		r = -errno;
		close(fd);
		return r;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if ((r = cd_rmtree_at(dirfd(dir), de->d_name, depth + 1)) != 0 &&
		    rc == 0)
			rc = r;
	}
	closedir(dir);
	if (rc == 0 && unlinkat(pfd, name, AT_REMOVEDIR) != 0)
		rc = -errno;
	return rc;
}

/*
 * Remove a directory tree without following symlinks: path is canonical,
 * its folder is opened with where_open_parent and everything below is
 * reached with openat(O_NOFOLLOW), so no folder on the way, nor in the
 * tree, can be swapped for a link that leads out.
 */
int
cache_rmtree(const char *path)
{
	const char	*base;
	int		 fd, rc;

	if ((fd = where_open_parent(path, &base)) < 0)
		return fd == -ENOENT ? 0 : fd;
	rc = cd_rmtree_at(fd, base, 0);
	close(fd);
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
	int				 bad, rc;

	mdir = xasprintf("%s/manifests", root);
	bdir = xasprintf("%s/blobs", root);
	bad = cd_warned_under(d, m->store, mdir, NULL);
	if (!where_under(m->path, mdir) || !where_unchanged(m->path)) {
		/* Reached through a symlinked folder: not the store's. */
		cd_item(d, "manifest", m->path, 0, "kept", "outside the "
		    "store's manifests folder");
		bad = 1;
	} else if (d->dry_run)
		cd_item(d, "manifest", m->path, 0, "would_delete", NULL);
	else if ((rc = where_unlink(m->path)) == 0 || rc == -ENOENT) {
		cd_item(d, "manifest", m->path, 0, "deleted", NULL);
		dir = xstrdup(m->path);
		if ((slash = strrchr(dir, '/')) != NULL) {
			*slash = '\0';
			cd_prune_dirs(dir, mdir);
		}
		free(dir);
	} else {
		cd_item(d, "manifest", m->path, 0, "failed", strerror(-rc));
		bad = 1;
	}
	cd_model_blobs(d, mi, bdir, bad, "kept: a manifest of this store "
	    "could not be read, so it may use this blob");
	free(mdir);
	free(bdir);
}

/* Read a ref file (a regular file, never a FIFO): 1 if it names commit. */
static int
cd_ref_is(const char *path, const char *commit)
{
	char		 buf[64];
	struct stat	 sb;
	ssize_t		 n;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return 0;
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    (n = read(fd, buf, sizeof(buf) - 1)) < 0) {
		close(fd);
		return 0;
	}
	close(fd);
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
	if (!where_under(m->path, d->idx->stores[m->store].path) ||
	    !where_unchanged(m->path)) {
		cd_item(d, "snapshot", m->path, 0, "kept", "outside its store "
		    "since the scan");
		bad = 1;
	} else if (d->dry_run)
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
		if (where_under(p, repo) && where_unchanged(p) &&
		    cd_ref_is(p, m->revision)) {
			if (d->dry_run)
				cd_item(d, "ref", p, 0, "would_delete", NULL);
			else if (where_unlink(p) == 0)
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
		(void)cd_rmdir(snaps);
		(void)cd_rmdir(bdir);
		(void)cd_rmdir(repo);
	}
	free(repo);
	free(snaps);
	free(bdir);
}

/*
 * Remove the empty folders of a tree, bottom up, never following a link:
 * each folder is opened with O_NOFOLLOW | O_DIRECTORY relative to its
 * parent, so a folder swapped for a symlink is left alone.
 */
static void
cd_rmdir_empty_at(int pfd, const char *name, int depth)
{
	struct dirent	*de;
	DIR		*dir;
	int		 fd, sub;

	if (depth > 64 || (fd = openat(pfd, name, O_RDONLY |
	    O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	if ((sub = dup(fd)) == -1 || (dir = fdopendir(sub)) == NULL) {
		if (sub != -1)
			close(sub);
		close(fd);
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		if (de->d_type == DT_DIR || de->d_type == DT_UNKNOWN)
			cd_rmdir_empty_at(fd, de->d_name, depth + 1);
	}
	closedir(dir);
	close(fd);
	(void)unlinkat(pfd, name, AT_REMOVEDIR);
}

/* The same for path, which must be a real folder inside root. */
static void
cd_rmdir_empty(const char *path, const char *root)
{
	const char	*base;
	int		 pfd;

	if (!where_under(path, root) || !where_unchanged(path))
		return;
	if ((pfd = where_open_parent(path, &base)) >= 0) {
		cd_rmdir_empty_at(pfd, base, 0);
		close(pfd);
	}
}

/* LM Studio and local models: their own files, and links to others'. */
static void
cd_tree_model(struct cd *d, size_t mi)
{
	const struct modelstore_model	*m = &d->idx->models[mi];
	const struct modelstore_file	*f;
	const char			*root = d->idx->stores[m->store].path;
	struct stat			 sb, lsb;
	char				*entry;
	size_t				 k, fi;
	int				 isdir, rc;

	/*
	 * A model that is a symlink (to a folder or a file): only the link,
	 * which is in the root, goes; nothing is followed out of it.
	 */
	if (lstat(m->path, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
		if (!where_under(m->path, root) || !where_unchanged(m->path))
			cd_item(d, "link", m->path, 0, "kept", "outside the "
			    "folder it was found in");
		else if (d->dry_run)
			cd_item(d, "link", m->path, 0, "would_delete", NULL);
		else if ((rc = where_unlink(m->path)) == 0)
			cd_item(d, "link", m->path, 0, "deleted", NULL);
		else
			cd_item(d, "link", m->path, 0, "failed",
			    strerror(-rc));
		return;
	}
	isdir = lstat(m->path, &sb) == 0 && S_ISDIR(sb.st_mode);
	for (k = 0; k < m->nfiles; k++) {
		fi = m->files[k].file;
		f = &d->idx->files[fi];
		entry = isdir ? xasprintf("%s/%s", m->path, m->files[k].name) :
		    xstrdup(m->path);
		if (!where_under(entry, root) || !where_unchanged(entry)) {
			cd_item(d, "file", entry, f->size, "kept", "reached "
			    "through a linked folder");
		} else if (lstat(entry, &lsb) == 0 && S_ISLNK(lsb.st_mode)) {
			/* A link: only the link goes; its target is judged
			 * with the model that owns it. */
			if (d->dry_run)
				cd_item(d, "link", entry, 0, "would_delete",
				    NULL);
			else if ((rc = where_unlink(entry)) == 0)
				cd_item(d, "link", entry, 0, "deleted", NULL);
			else
				cd_item(d, "link", entry, 0, "failed",
				    strerror(-rc));
		} else if (d->idx->stores[m->store].kind ==
		    MODELSTORE_LOCAL && !d->t->req.delete_files) {
			/* mlxd's links folder (cache.dir) without
			 * delete_files: its links go, never a real file. */
			cd_item(d, "file", entry, f->size, "kept", "not a link "
			    "mlxd made; delete_files deletes it");
		} else if (d->extref[fi] > 0) {
			cd_item(d, "file", entry, f->size, "kept", "another "
			    "model links to it");
		} else if (strcmp(entry, f->path) != 0 ||
		    f->role == MODELSTORE_ROLE_EXTERNAL) {
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

		/* Empty folders left behind, up to the store's root; in
		 * cache.dir without delete_files only the model's folder. */
		if (d->idx->stores[m->store].kind == MODELSTORE_LOCAL &&
		    !d->t->req.delete_files) {
			if (where_under(m->path, root))
				(void)cd_rmdir(m->path);
		} else
			cd_rmdir_empty(m->path, root);
		if ((slash = strrchr(parent, '/')) != NULL) {
			*slash = '\0';
			if (where_unchanged(parent))
				cd_prune_dirs(parent, root);
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

/*
 * Take huggingface_hub's lock for an .incomplete download,
 * <hub>/.locks/<models--org--name>/<etag>.lock, as its downloads do
 * (flock). The fd, -1 when there is no lock file, or -EBUSY while a
 * download holds it.
 */
static int
cd_hf_lock(const char *hub, const char *path)
{
	const char	*repo, *slash, *base;
	char		*lock;
	size_t		 n;
	int		 fd;

	if (!where_under(path, hub))
		return -1;
	repo = path + strlen(hub) + 1;
	if ((slash = strchr(repo, '/')) == NULL || strncmp(slash, "/blobs/",
	    7) != 0)
		return -1;
	base = slash + 7;
	n = strlen(base) - strlen(".incomplete");
	lock = xasprintf("%s/.locks/%.*s/%.*s.lock", hub, (int)(slash - repo),
	    repo, (int)n, base);
	fd = open(lock, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	free(lock);
	if (fd == -1)
		return -1;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		close(fd);
		return -EBUSY;
	}
	return fd;
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
	int		 lockfd = -1, rc;

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
	/* Still inside its store, by the same road, and still named as its
	 * writer names a part (or as our temp). */
	if (!where_under(c->path, d->idx->stores[c->store].path) ||
	    !where_unchanged(c->path) || ((c->kind ==
	    MODELSTORE_CLEANUP_STALE_PARTIAL && !modelstore_partial_of(
	    d->idx->stores[c->store].kind, cd_base(c->path))) ||
	    (c->kind == MODELSTORE_CLEANUP_STALE_TEMP &&
	    !modelstore_is_temp(cd_base(c->path))))) {
		cd_item(d, kind, c->path, c->size, "kept", "changed since the "
		    "scan");
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
	/* huggingface_hub's download lock: held means a download is live. */
	if (c->kind == MODELSTORE_CLEANUP_STALE_PARTIAL && d->idx->stores[
	    c->store].kind == MODELSTORE_HF && (lockfd = cd_hf_lock(
	    d->idx->stores[c->store].path, c->path)) == -EBUSY) {
		cd_item(d, kind, c->path, c->size, "kept", "a download holds "
		    "its lock");
		return;
	}
	cache_work_tick(d->t, c->path, c->size);
	rc = where_unlink(c->path);
	if (lockfd >= 0)
		close(lockfd);
	if (rc == 0)
		cd_item(d, kind, c->path, S_ISLNK(sb.st_mode) ? 0 : c->size,
		    "deleted", c->detail);
	else
		cd_item(d, kind, c->path, c->size, "failed", strerror(-rc));
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

/*
 * 1 if every linked app's folder can be read. One that cannot (an
 * unmounted disk) would make the models it uses look unused: then no model
 * is removed as unused, and an item says why.
 */
static int
cd_apps_reachable(struct cd *d)
{
	struct store_cache_app	*apps = NULL;
	struct stat		 sb;
	size_t			 napps = 0, i;
	int			 ok = 1;

	if (store_cache_apps_list(d->t->st, &apps, &napps) != 0) {
		cd_item(d, "unused_model", "", 0, "kept", "cannot read the "
		    "linked apps");
		return 0;
	}
	for (i = 0; i < napps && ok; i++)
		if (stat(apps[i].path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
			cd_item(d, "unused_model", apps[i].path, 0, "kept",
			    "this linked app's folder cannot be read, so the "
			    "models it uses would look unused");
			ok = 0;
		}
	store_cache_apps_free(apps, napps);
	return ok;
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
	if ((want & CACHE_CLEAN_UNUSED) && !t->cancel &&
	    cd_apps_reachable(&d)) {
		/* Every model no linked app uses, removed together. */
		/* Never a model in a folder of the user's. */
		for (i = 0, n = 0; i < idx->nmodels; i++)
			if (!t->used[i] && idx->stores[idx->models[i].store].
			    kind != MODELSTORE_LOCAL && cd_path_wanted(&d,
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

/* 1 if path lies in mlxd's own links folder (cache.dir). */
static int
cd_in_cache_dir(const char *cache_dir, const char *path)
{
	char	*real;
	int	 in;

	if ((real = realpath(cache_dir, NULL)) == NULL)
		return 0;
	in = where_under(path, real);
	free(real);
	return in;
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
	m = &idx->models[mi];
	if (idx->stores[m->store].kind == MODELSTORE_LOCAL &&
	    !t->req.delete_files && (t->cache_dir == NULL ||
	    !cd_in_cache_dir(t->cache_dir, m->path))) {
		t->error = xasprintf("%s is in a folder of yours; mlxd deletes "
		    "files there only with delete_files", t->req.model);
		t->rc = -EPERM;
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
