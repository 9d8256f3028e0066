/* SPDX-License-Identifier: ISC */
/*
 * modelstore_hf.c: reading a Hugging Face hub cache.
 *
 * Layout (docs/cache.md): models--org--name/refs/<ref> holds a commit;
 * snapshots/<commit>/<path> are relative symlinks into blobs/<etag>; a 64-hex
 * etag is the sha256 of an LFS file, a 40-hex one a git blob id (not a
 * sha256). Each revision is a model; one no ref points to is detached and a
 * cleanup candidate for the bytes only it uses. A per-repo blob that links
 * into the cache-wide shared store (<hub>/blobs/) is indexed as the shared
 * payload, which dedup never replaces. *.incomplete files are downloads.
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
#include "osdep.h"
#include "xmalloc.h"

struct hfref {
	char	*name;
	char	 commit[41];
};

/* Collect the files under refs/ that hold a 40-hex commit. */
static void
hf_refs(struct modelstore_scan *s, const char *dir, const char *rel, int depth,
    struct hfref **refsp, size_t *np)
{
	struct stat	 sb;
	char		**names = NULL, *path, *sub, *line;
	size_t		 n = 0, i;

	if (depth > 8 || modelstore_list_dir(s, dir, 1, &names, &n) != 0)
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
		    (line = modelstore_read_line(path)) != NULL) {
			if (modelstore_is_hex(line, 40)) {
				*refsp = xreallocarray(*refsp, *np + 1,
				    sizeof(**refsp));
				(*refsp)[*np].name = xstrdup(sub);
				memcpy((*refsp)[*np].commit, line, 41);
				(*np)++;
			} else
				modelstore_warn(s, path,
				    "ref is not a commit hash");
			free(line);
		}
		free(sub);
		free(path);
	}
	modelstore_free_names(names, n);
}

/* Walk one snapshots/<commit>/ tree, linking its files to model mi. */
static void
hf_snapshot(struct modelstore_scan *s, size_t mi, const char *dir,
    const char *rel,
    int depth)
{
	struct stat	 sb, lsb;
	char		**names = NULL, *path, *sub, *real, *hex;
	char		 link[PATH_MAX];
	const char	*base;
	ssize_t		 ll;
	size_t		 n = 0, i, fi;

	if (depth > MODELSTORE_MAX_DEPTH ||
	    modelstore_list_dir(s, dir, 0, &names, &n) != 0)
		return;
	for (i = 0; i < n && !modelstore_cancelled(s); i++) {
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
			fi = modelstore_add_file(s, path, &lsb,
			    MODELSTORE_DIGEST_NONE, NULL);
			modelstore_model_add_file(s, mi, fi, sub);
			goto next;
		}
		if (!S_ISLNK(lsb.st_mode))
			goto next;
		if (stat(path, &sb) != 0) {
			modelstore_warn(s, path, "%s", errno == ELOOP ?
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
			if (modelstore_is_hex(base, 64))
				hex = xstrdup(base);
		}
		fi = modelstore_add_file(s, real, &sb,
		    MODELSTORE_DIGEST_HF_BLOB, hex);
		modelstore_model_add_file(s, mi, fi, sub);
		free(hex);
		free(real);
next:
		free(sub);
		free(path);
	}
	modelstore_free_names(names, n);
}

static void
hf_repo(struct modelstore_scan *s, const char *hub, const char *dirname)
{
	struct hfref		*refs = NULL;
	struct modelstore_blob	*blobs = NULL;
	struct stat		 lsb;
	unsigned char		*attached = NULL, *seen = NULL;
	char			*repo, *rdir, *p, **names = NULL, **revs = NULL;
	size_t			 nrefs = 0, nblobs = 0, nnames = 0, nrevs = 0;
	size_t			 i, k, first_model, mi, fi;
	uint64_t		 bytes;
	struct modelstore_model	*m;

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
	if (modelstore_list_dir(s, p, 0, &names, &nnames) == 0) {
		for (i = 0; i < nnames && !modelstore_cancelled(s); i++) {
			char	*bp = xasprintf("%s/%s", p, names[i]);

			if (lstat(bp, &lsb) != 0) {
				s->idx->vanished++;
			} else if (modelstore_partial_of(MODELSTORE_HF,
			    names[i]) || modelstore_is_temp(names[i])) {
				if (S_ISREG(lsb.st_mode))
					modelstore_partial(s, bp, &lsb, repo);
			} else if (names[i][0] != '.' &&
			    modelstore_scan_blob(s, bp,
			    MODELSTORE_DIGEST_HF_BLOB,
			    modelstore_is_hex(names[i], 64) ? names[i] : NULL,
			    &lsb,
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
		modelstore_free_names(names, nnames);
	}
	free(p);

	/* snapshots/<commit>/: one model per revision. */
	first_model = s->idx->nmodels;
	p = xasprintf("%s/snapshots", rdir);
	if (modelstore_list_subdirs(s, p, 1, &revs, &nrevs) == 0) {
		for (i = 0; i < nrevs && !modelstore_cancelled(s); i++) {
			char	*sp = xasprintf("%s/%s", p, revs[i]);
			char	*joined = xstrdup(""), *t;

			mi = modelstore_add_model(s, repo, revs[i], sp);
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
		modelstore_free_names(revs, nrevs);
	}
	free(p);
	for (k = 0; k < nrefs; k++) {
		for (i = first_model; i < s->idx->nmodels; i++)
			if (strcmp(s->idx->models[i].revision,
			    refs[k].commit) == 0)
				break;
		if (i == s->idx->nmodels)
			modelstore_warn(s, rdir, "ref %s points to missing "
			    "snapshot %s", refs[k].name, refs[k].commit);
	}

	/*
	 * Detached revisions free the blobs no attached revision uses; blobs
	 * no revision uses at all are orphans.
	 */
	if (!modelstore_cancelled(s)) {
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
			modelstore_add_cleanup(s,
			    MODELSTORE_CLEANUP_DETACHED_REVISION,
			    m->path, bytes, 0, repo);
		}
		for (i = 0; i < nblobs; i++)
			if (!seen[blobs[i].file])
				modelstore_add_cleanup(s,
				    MODELSTORE_CLEANUP_ORPHAN_BLOB,
				    blobs[i].path, blobs[i].size,
				    blobs[i].mtime_ns, repo);
	}
	free(attached);
	free(seen);
	for (k = 0; k < nrefs; k++)
		free(refs[k].name);
	free(refs);
	modelstore_blobs_free(blobs, nblobs);
	free(rdir);
	free(repo);
}

/* Index every models--* repository of a hub cache. */
void
modelstore_scan_hf(struct modelstore_scan *s, const char *hub)
{
	char	**names = NULL;
	size_t	 n = 0, i;

	if (modelstore_list_dir(s, hub, 1, &names, &n) != 0)
		return;
	for (i = 0; i < n && !modelstore_cancelled(s); i++) {
		if (strncmp(names[i], "models--", 8) != 0 ||
		    names[i][8] == '\0')
			continue;
		hf_repo(s, hub, names[i]);
	}
	modelstore_free_names(names, n);
}
