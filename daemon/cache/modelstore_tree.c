/* SPDX-License-Identifier: ISC */
/*
 * modelstore_tree.c: reading plain folders of model files: LM Studio's
 * models folder (<publisher>/<model>/<files>) and local folders the user
 * registers (one model per top-level directory or loose file).
 *
 * Nothing here is a partial download (LM Studio documents no naming of its
 * own for one, and a local folder is the user's): a file named like one is
 * indexed as any other. Only dedup's own stale temp names are reported.
 *
 * Directory symlinks are followed once (a directory reached again, as in a
 * loop, is skipped with a warning); file symlinks are indexed as their real
 * file, so an LM Studio link into Ollama's blobs is the blob itself.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "modelstore.h"
#include "modelstore_int.h"
#include "xmalloc.h"

typedef void (*tree_file_fn)(struct modelstore_scan *, const char *path,
    const char *rel, const struct stat *sb);

/*
 * Generic recursive walk for LM Studio and local roots: follows directory
 * symlinks once (dirset), resolves file symlinks to their real file, and
 * calls fn with the canonical path and the path relative to the root.
 */
static void
walk_tree(struct modelstore_scan *s, const char *dir, const char *rel,
    int depth,
    tree_file_fn fn)
{
	struct stat	 sb, lsb;
	char		**names = NULL, *path, *sub, *real;
	size_t		 n = 0, i;

	if (depth > MODELSTORE_MAX_DEPTH) {
		modelstore_warn(s, dir, "deeper than %d levels; not descended",
		    MODELSTORE_MAX_DEPTH);
		return;
	}
	if (modelstore_list_dir(s, dir, 0, &names, &n) != 0)
		return;
	for (i = 0; i < n && !modelstore_cancelled(s); i++) {
		path = xasprintf("%s/%s", dir, names[i]);
		sub = rel[0] == '\0' ? xstrdup(names[i]) :
		    xasprintf("%s/%s", rel, names[i]);
		real = NULL;
		if (lstat(path, &lsb) != 0) {
			if (errno == ENOENT)
				s->idx->vanished++;
			else
				modelstore_warn(s, path, "cannot stat: %s",
				    modelstore_strerror(errno));
			goto next;
		}
		if (S_ISLNK(lsb.st_mode)) {
			if (stat(path, &sb) != 0) {
				modelstore_warn(s, path, "%s", errno == ELOOP ?
				    "symlink loop" : "broken symlink");
				goto next;
			}
			if ((real = realpath(path, NULL)) == NULL) {
				modelstore_warn(s, path, "cannot resolve: %s",
				    strerror(errno));
				goto next;
			}
		} else
			sb = lsb;
		if (S_ISDIR(sb.st_mode)) {
			if (!modelstore_dirset_add(&s->dirs,
			    (uint64_t)sb.st_dev,
			    (uint64_t)sb.st_ino)) {
				modelstore_warn(s, path, "directory already "
				    "visited (symlink loop or second link); "
				    "skipped");
				goto next;
			}
			walk_tree(s, real != NULL ? real : path, sub,
			    depth + 1, fn);
		} else if (S_ISREG(sb.st_mode)) {
			/* No partials here: a user's file named like
			 * one is theirs. Only our own temps are ours. */
			if (modelstore_is_temp(names[i]) &&
			    S_ISREG(lsb.st_mode)) {
				modelstore_partial(s, path, &sb, sub);
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
	modelstore_free_names(names, n);
}


/* The model a relative path belongs to: its first ncomp directories. */
static void
tree_file(struct modelstore_scan *s, const char *path, const char *rel,
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
		mi = (long)modelstore_add_model(s, key, "", mpath);
		free(mpath);
	}
	s->last_model = mi;
	fi = modelstore_add_file(s, path, sb, MODELSTORE_DIGEST_NONE, NULL);
	modelstore_model_add_file(s, (size_t)mi, fi, c == 0 ? rel : p);
	free(key);
}


static void
lmstudio_file(struct modelstore_scan *s, const char *path, const char *rel,
    const struct stat *sb)
{
	tree_file(s, path, rel, sb, 2);	/* <publisher>/<model>/... */
}


static void
local_file(struct modelstore_scan *s, const char *path, const char *rel,
    const struct stat *sb)
{
	tree_file(s, path, rel, sb, 1);	/* <model dir>/... or a loose file */
}


/* Walk an LM Studio or local root. */
void
modelstore_scan_tree(struct modelstore_scan *s, const char *root,
    enum modelstore_kind kind)
{
	walk_tree(s, root, "", 0, kind == MODELSTORE_LMSTUDIO ?
	    lmstudio_file : local_file);
}
