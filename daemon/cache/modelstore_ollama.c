/* SPDX-License-Identifier: ISC */
/*
 * modelstore_ollama.c: reading an Ollama models directory.
 *
 * Layout (docs/cache.md): manifests/<host>/<namespace>/<model>/<tag> at
 * exactly four levels, each a Docker v2 manifest whose config and layers name
 * blobs by digest; blobs/sha256-<64 hex>, the hex being the sha256 of the
 * content. Download parts (-partial*) and temp names are not blobs. A blob
 * no manifest references is an orphan, but only when every manifest could be
 * read, as Ollama's own prune does.
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
#include <strings.h>

#include <jansson.h>

#include "modelstore.h"
#include "modelstore_int.h"
#include "osdep.h"
#include "xmalloc.h"

#define MODELSTORE_MANIFEST_MAX		(4 * 1024 * 1024)
#define OLLAMA_DEFAULT_HOST		"registry.ollama.ai"
#define OLLAMA_DEFAULT_NS		"library"

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

/* Resolve one manifest layer ({digest, size, mediaType}) to its blob. */
static void
ollama_layer(struct modelstore_scan *s, size_t mi, const json_t *layer,
    struct modelstore_blob *blobs, size_t nblobs, unsigned char *refd,
    const char *mpath, const char *fallback_type)
{
	const char		*digest, *type;
	struct modelstore_blob	*b;
	char			 name[80];
	size_t			 i;

	if (!json_is_object(layer))
		return;
	digest = json_string_value(json_object_get(layer, "digest"));
	type = json_string_value(json_object_get(layer, "mediaType"));
	if (type == NULL)
		type = fallback_type;
	if (digest == NULL || strlen(digest) != 71 ||
	    (strncmp(digest, "sha256:", 7) != 0 &&
	    strncmp(digest, "sha256-", 7) != 0)) {
		modelstore_warn(s, mpath, "layer with invalid digest");
		return;
	}
	snprintf(name, sizeof(name), "sha256-%s", digest + 7);
	for (i = 7; name[i] != '\0'; i++)
		if (name[i] >= 'A' && name[i] <= 'F')
			name[i] = (char)(name[i] - 'A' + 'a');
	if (!modelstore_is_hex(name + 7, 64)) {
		modelstore_warn(s, mpath, "layer with invalid digest");
		return;
	}
	if ((b = modelstore_blob_find(blobs, nblobs, name)) == NULL) {
		modelstore_warn(s, mpath, "references missing blob %s", name);
		return;
	}
	refd[b - blobs] = 1;
	modelstore_model_add_file(s, mi, b->file, type);
}

/* Parse manifests/<host>/<ns>/<model>/<tag>; -1 if unreadable. */
static int
ollama_manifest(struct modelstore_scan *s, const char *mpath, const char *host,
    const char *ns, const char *model, const char *tag,
    struct modelstore_blob *blobs, size_t nblobs, unsigned char *refd)
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
		modelstore_warn(s, mpath, "cannot stat manifest: %s",
		    strerror(errno));
		return -1;
	}
	if (!S_ISREG(sb.st_mode))
		return 0;
	if (sb.st_size > MODELSTORE_MANIFEST_MAX) {
		modelstore_warn(s, mpath,
		    "manifest larger than %d bytes; ignored",
		    MODELSTORE_MANIFEST_MAX);
		return -1;
	}
	if ((j = json_load_file(mpath, 0, &err)) == NULL) {
		modelstore_warn(s, mpath, "cannot parse manifest: %s (line %d)",
		    err.text, err.line);
		return -1;
	}
	layers = json_object_get(j, "layers");
	if (!json_is_object(j) || !json_is_array(layers)) {
		modelstore_warn(s, mpath, "manifest has no layers array");
		json_decref(j);
		return -1;
	}
	name = modelstore_ollama_name(host, ns, model, tag);
	mi = modelstore_add_model(s, name, "", mpath);
	free(name);
	ollama_layer(s, mi, json_object_get(j, "config"), blobs, nblobs, refd,
	    mpath, "application/vnd.docker.container.image.v1+json");
	for (i = 0; i < json_array_size(layers); i++)
		ollama_layer(s, mi, json_array_get(layers, i), blobs, nblobs,
		    refd, mpath, "");
	json_decref(j);
	return 0;
}

/* Index an Ollama models directory: blobs, then manifests, then orphans. */
void
modelstore_scan_ollama(struct modelstore_scan *s, const char *root)
{
	struct modelstore_blob	*blobs = NULL;
	struct stat		 lsb;
	unsigned char		*refd = NULL;
	char			*bdir, *mdir, *path, **names = NULL;
	char			**hosts = NULL, **nss = NULL, **models = NULL,
	    **tags = NULL;
	size_t			 nnames = 0, nblobs = 0;
	size_t			 nh = 0, nn = 0, nm = 0, nt = 0;
	size_t			 i, a, b, c, d, fi;
	int			 manifests_ok = 1;

	bdir = xasprintf("%s/blobs", root);
	mdir = xasprintf("%s/manifests", root);

	/* blobs/: only sha256-<64 lowercase hex> is a finished blob. */
	if (modelstore_list_dir(s, bdir, 0, &names, &nnames) == 0) {
		for (i = 0; i < nnames && !modelstore_cancelled(s); i++) {
			path = xasprintf("%s/%s", bdir, names[i]);
			if (lstat(path, &lsb) != 0) {
				s->idx->vanished++;
				free(path);
				continue;
			}
			if (modelstore_partial_of(MODELSTORE_OLLAMA,
			    names[i]) || modelstore_is_temp(names[i])) {
				if (S_ISREG(lsb.st_mode))
					modelstore_partial(s, path, &lsb,
					    "unfinished Ollama download");
			} else if (strncmp(names[i], "sha256-", 7) == 0 &&
			    modelstore_is_hex(names[i] + 7, 64)) {
				if (S_ISLNK(lsb.st_mode))
					modelstore_warn(s, path,
					    "symlink in Ollama "
					    "blobs/");
				if (modelstore_scan_blob(s, path,
				    MODELSTORE_DIGEST_NAME,
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
		modelstore_free_names(names, nnames);
	}
	if (nblobs > 1)
		qsort(blobs, nblobs, sizeof(*blobs), modelstore_blob_cmp);
	refd = xcalloc(nblobs + 1, 1);

	/* manifests/: exactly <host>/<namespace>/<model>/<tag>. */
	if (modelstore_list_subdirs(s, mdir, 1, &hosts, &nh) != 0 &&
	    modelstore_is_dir(mdir))
		manifests_ok = 0;
	for (a = 0; a < nh && !modelstore_cancelled(s); a++) {
		path = xasprintf("%s/%s", mdir, hosts[a]);
		if (modelstore_list_subdirs(s, path, 1, &nss, &nn) != 0)
			manifests_ok = 0;
		free(path);
		for (b = 0; b < nn; b++) {
			path = xasprintf("%s/%s/%s", mdir, hosts[a], nss[b]);
			if (modelstore_list_subdirs(s, path, 1, &models,
			    &nm) != 0)
				manifests_ok = 0;
			free(path);
			for (c = 0; c < nm; c++) {
				path = xasprintf("%s/%s/%s/%s", mdir, hosts[a],
				    nss[b], models[c]);
				if (modelstore_list_subdirs(s, path, 0, &tags,
				    &nt) != 0)
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
				modelstore_free_names(tags, nt);
				tags = NULL;
				nt = 0;
				free(path);
			}
			modelstore_free_names(models, nm);
			models = NULL;
			nm = 0;
		}
		modelstore_free_names(nss, nn);
		nss = NULL;
		nn = 0;
	}
	modelstore_free_names(hosts, nh);

	/* Like Ollama's own prune: no orphan verdicts if a manifest failed. */
	if (!manifests_ok || modelstore_cancelled(s)) {
		if (nblobs > 0 && !modelstore_cancelled(s))
			modelstore_warn(s, mdir,
			    "a manifest could not be read; "
			    "orphaned blobs are not reported");
	} else {
		for (i = 0; i < nblobs; i++)
			if (!refd[i])
				modelstore_add_cleanup(s,
				    MODELSTORE_CLEANUP_ORPHAN_BLOB,
				    blobs[i].path, blobs[i].size,
				    blobs[i].mtime_ns,
				    "Ollama blob no manifest references");
	}
	free(refd);
	modelstore_blobs_free(blobs, nblobs);
	free(bdir);
	free(mdir);
}
