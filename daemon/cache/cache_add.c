/* SPDX-License-Identifier: ISC */
/*
 * cache_add.c: POST /v1/cache/add. file:///folder registers local weights
 * as a root to index; ollama://name:tag resolves the manifest as Ollama
 * does (default registry registry.ollama.ai, namespace library, tag latest;
 * names compared without case) and exposes its GGUF layers under
 * cache.dir/<name>/ as readable .gguf names — symlinks into Ollama's blobs,
 * so nothing is copied and nothing foreign is put in Ollama's own folders.
 * hf://org/repo[@rev] is downloaded by hf.c on the loop (cache.c starts
 * it); the worker part here only indexes the result.
 *
 * A file:// folder is taken in its canonical form and must be one of the
 * user's own (where.c refuses /, $HOME and above, system folders and paths
 * with "." or ".." segments).
 *
 * cache_add_check() runs on the loop (cheap checks, so a bad URI is a 400
 * at once); cache_add_run() on the cache worker.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <jansson.h>

#include "cache.h"
#include "cache_int.h"
#include "hf.h"
#include "log.h"
#include "modelstore.h"
#include "paths.h"
#include "store_cache.h"
#include "where.h"
#include "xmalloc.h"

#define CA_DEFAULT_HOST		"registry.ollama.ai"
#define CA_DEFAULT_NS		"library"
#define CA_DEFAULT_TAG		"latest"
#define CA_MEDIA_MODEL		"application/vnd.ollama.image.model"
#define CA_MEDIA_PROJECTOR	"application/vnd.ollama.image.projector"
#define CA_MEDIA_ADAPTER	"application/vnd.ollama.image.adapter"
#define CA_MANIFEST_MAX		(4 * 1024 * 1024)

/* Name characters Ollama allows: alnum and _ first, then extra. */
static int
ca_part_ok(const char *s, size_t max, const char *extra)
{
	size_t	i, n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' &&
		    s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_')
			continue;
		if (i > 0 && strchr(extra, s[i]) != NULL)
			continue;
		return 0;
	}
	return 1;
}

/* Parse a name the way Ollama's types/model/name.go does. */
int
cache_ollama_parse(const char *in, char host[351], char ns[81],
    char model[81], char tag[81])
{
	const char	*p, *colon, *slash;
	char		*s, *parts[3];
	size_t		 n = 0;
	int		 rc = -EINVAL;

	if ((p = strstr(in, "://")) != NULL)
		in = p + 3;
	s = xstrdup(in);
	snprintf(host, 351, "%s", CA_DEFAULT_HOST);
	snprintf(ns, 81, "%s", CA_DEFAULT_NS);
	snprintf(tag, 81, "%s", CA_DEFAULT_TAG);
	/* The tag follows the last ':' only if no '/' comes after it. */
	colon = strrchr(s, ':');
	slash = strrchr(s, '/');
	if (colon != NULL && (slash == NULL || colon > slash)) {
		if (strlen(colon + 1) >= 81)
			goto out;
		snprintf(tag, 81, "%s", colon + 1);
		s[colon - s] = '\0';
	}
	for (;;) {
		slash = strrchr(s, '/');
		if (n == 3)
			goto out;
		parts[n++] = slash != NULL ? (char *)(uintptr_t)(slash + 1) : s;
		if (slash == NULL)
			break;
		s[slash - s] = '\0';
	}
	if (strlen(parts[0]) >= 81)
		goto out;
	snprintf(model, 81, "%s", parts[0]);
	if (n >= 2) {
		if (strlen(parts[1]) >= 81)
			goto out;
		snprintf(ns, 81, "%s", parts[1]);
	}
	if (n == 3) {
		if (strlen(parts[2]) >= 351)
			goto out;
		snprintf(host, 351, "%s", parts[2]);
	}
	if (ca_part_ok(host, 350, "-_.:") && ca_part_ok(ns, 80, "-_") &&
	    ca_part_ok(model, 80, "-_.") && ca_part_ok(tag, 80, "-_."))
		rc = 0;
out:
	free(s);
	return rc;
}

static int
ca_is_hex64(const char *s)
{
	size_t	i;

	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' &&
		    s[i] <= 'f')))
			return 0;
	return s[64] == '\0';
}

/* Percent-decode a file URI's path. */
static char *
ca_decode(const char *s)
{
	char	*out = xmalloc(strlen(s) + 1), *o = out;
	int	 hi, lo;

	for (; *s != '\0'; s++) {
		if (*s == '%' && isxdigit((unsigned char)s[1]) &&
		    isxdigit((unsigned char)s[2])) {
			hi = isdigit((unsigned char)s[1]) ? s[1] - '0' :
			    tolower((unsigned char)s[1]) - 'a' + 10;
			lo = isdigit((unsigned char)s[2]) ? s[2] - '0' :
			    tolower((unsigned char)s[2]) - 'a' + 10;
			if ((hi | lo) != 0) {
				*o++ = (char)(hi * 16 + lo);
				s += 2;
				continue;
			}
		}
		*o++ = *s;
	}
	*o = '\0';
	return out;
}

/* Check an add URI (loop). */
int
cache_add_check(const char *uri, char **pathp, char **causep)
{
	char		 host[351], ns[81], model[81], tag[81];
	const char	*p;
	char		*path, *real, *repo = NULL, *rev = NULL;
	int		 rc;

	*pathp = NULL;
	if (uri == NULL || *uri == '\0') {
		*causep = xstrdup("uri is required (hf://, ollama:// or "
		    "file://)");
		return -EINVAL;
	}
	if (strncmp(uri, "file://", 7) == 0) {
		p = uri + 7;
		if (strncmp(p, "localhost/", 10) == 0)
			p += 9;
		if (*p != '/') {
			*causep = xasprintf("%s: a file URI needs an absolute "
			    "path (file:///...)", uri);
			return -EINVAL;
		}
		path = ca_decode(p);
		rc = where_user_folder(path, &real, causep);
		if (rc == -ENOENT)
			*pathp = path;
		else
			free(path);
		if (rc != 0)
			return rc;
		*pathp = real;
		return 0;
	}
	if (strncmp(uri, "ollama://", 9) == 0) {
		if (cache_ollama_parse(uri + 9, host, ns, model, tag) != 0) {
			*causep = xasprintf("%s: not a valid Ollama model name",
			    uri + 9);
			return -EINVAL;
		}
		return 0;
	}
	if (strncmp(uri, "hf://", 5) == 0) {
		if (hf_parse_spec(uri, &repo, &rev) != 0) {
			*causep = xasprintf("%s: not a Hugging Face repository "
			    "(hf://org/name[@revision])", uri);
			return -EINVAL;
		}
		free(repo);
		free(rev);
		return 0;
	}
	*causep = xasprintf("%s: unsupported URI (use hf://org/repo[@rev], "
	    "ollama://name[:tag] or file:///path)", uri);
	return -EINVAL;
}

/* The entry of dir named name (exactly, else ignoring case), or NULL. */
static char *
ca_find_ci(const char *dir, const char *name)
{
	struct dirent	*de;
	DIR		*d;
	char		*out = NULL;

	if ((d = opendir(dir)) == NULL)
		return NULL;
	while ((de = readdir(d)) != NULL) {
		if (strcasecmp(de->d_name, name) != 0)
			continue;
		free(out);
		out = xasprintf("%s/%s", dir, de->d_name);
		if (strcmp(de->d_name, name) == 0)
			break;
	}
	closedir(d);
	return out;
}

/* manifests/<host>/<ns>/<model>/<tag> under root, or NULL. */
static char *
ca_manifest(const char *root, const char *const comp[4])
{
	char	*dir, *next;
	size_t	 i;

	dir = xasprintf("%s/manifests", root);
	for (i = 0; i < 4 && dir != NULL; i++) {
		next = ca_find_ci(dir, comp[i]);
		free(dir);
		dir = next;
	}
	return dir;
}

/* Ollama's display name of .../manifests/<host>/<ns>/<model>/<tag>. */
static char *
ca_display_from_path(const char *mpath)
{
	const char	*c[4], *e = mpath + strlen(mpath);
	char		*parts[4], *out;
	int		 i;

	for (i = 3; i >= 0; i--) {
		c[i] = e;
		while (c[i] > mpath && c[i][-1] != '/')
			c[i]--;
		parts[i] = xstrndup(c[i], (size_t)(e - c[i]));
		e = c[i] > mpath ? c[i] - 1 : c[i];
	}
	out = modelstore_ollama_name(parts[0], parts[1], parts[2], parts[3]);
	for (i = 0; i < 4; i++)
		free(parts[i]);
	return out;
}

/* 1 if the file starts with the GGUF magic. */
static int
ca_is_gguf(const char *path)
{
	char	 magic[4];
	FILE	*f;
	int	 ok;

	if ((f = fopen(path, "rb")) == NULL)
		return 0;
	ok = fread(magic, 1, 4, f) == 4 && memcmp(magic, "GGUF", 4) == 0;
	fclose(f);
	return ok;
}

/*
 * Make name in folder dfd a symlink to target, atomically (temp name +
 * rename), acting only relative to dfd.
 */
static int
ca_link(int dfd, const char *name, const char *target, const char **whatp)
{
	struct stat	 sb;
	char		 cur[PATH_MAX], *tmp;
	ssize_t		 n;
	static unsigned	 seq;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
		if (!S_ISLNK(sb.st_mode)) {
			*whatp = "exists and is not a link; left alone";
			return -EEXIST;
		}
		if ((n = readlinkat(dfd, name, cur, sizeof(cur) - 1)) > 0) {
			cur[n] = '\0';
			if (strcmp(cur, target) == 0) {
				*whatp = "exists";
				return 0;
			}
		}
	}
	tmp = xasprintf(".%s.mlxd-tmp-%ld-%u", name, (long)getpid(), ++seq);
	if (symlinkat(target, dfd, tmp) != 0) {
		free(tmp);
		return -errno;
	}
	if (renameat(dfd, tmp, dfd, name) != 0) {
		int rc = -errno;
		(void)unlinkat(dfd, tmp, 0);
		free(tmp);
		return rc;
	}
	free(tmp);
	*whatp = "created";
	return 0;
}

/*
 * Open cache.dir/<flat>, the folder of mlxd's own that holds an ollama://
 * add's links, creating it if missing. The walk to it follows no link, so
 * a <flat> that is a symlink (to a folder of the user's) or a file is
 * refused and nothing is written through it or over it. Returns the fd, or
 * -errno with t->error set.
 */
static int
ca_open_links_dir(struct cache_task *t, const char *flat, const char *dir)
{
	const char	*base;
	char		*root, *path;
	int		 fd, sub, rc;

	if ((rc = paths_mkdir_p(t->cache_dir, 0755)) != 0) {
		t->error = xasprintf("cannot create %s: %s", t->cache_dir,
		    strerror(-rc));
		return rc;
	}
	if ((root = realpath(t->cache_dir, NULL)) == NULL) {
		rc = -errno;
		t->error = xasprintf("%s: %s", t->cache_dir, strerror(-rc));
		return rc;
	}
	path = xasprintf("%s/%s", root, flat);
	free(root);
	if ((fd = where_open_parent(path, &base)) < 0) {
		t->error = xasprintf("cannot open %s: %s", t->cache_dir,
		    strerror(-fd));
		free(path);
		return fd;
	}
	if (mkdirat(fd, base, 0755) != 0 && errno != EEXIST) {
		rc = -errno;
		t->error = xasprintf("cannot create %s: %s", dir,
		    strerror(-rc));
	} else if ((sub = openat(fd, base, O_RDONLY | O_DIRECTORY |
	    O_NOFOLLOW | O_CLOEXEC)) == -1) {
		rc = errno == ENOTDIR || errno == ELOOP ? -ENOTDIR : -errno;
		t->error = rc == -ENOTDIR ? xasprintf("%s is a symlink or a "
		    "file, not a folder of mlxd's: left alone (move it away "
		    "to add this model)", dir) : xasprintf("cannot open %s: "
		    "%s", dir, strerror(-rc));
	} else
		rc = sub;
	close(fd);
	free(path);
	return rc;
}

/* ollama://name:tag → links under cache.dir. */
static int
ca_ollama(struct cache_task *t, const char *name)
{
	struct modelstore_roots	 roots;
	char			 host[351], ns[81], model[81], tag[81];
	char			 suffix[16];
	const char		*comp[4] = { host, ns, model, tag }, *type;
	const char		*digest, *what = "";
	json_t			*j = NULL, *layers, *layer, *links;
	json_error_t		 err;
	struct stat		 sb;
	char			*mpath = NULL, *display = NULL, *flat = NULL;
	char			*dir = NULL, *blob, *link, *root = NULL, *p;
	char			*lname;
	size_t			 i, nmodel = 0, nproj = 0, nadapt = 0, nlinks = 0;
	int			 rc = 0, n, dfd = -1;

	if (cache_ollama_parse(name, host, ns, model, tag) != 0) {
		t->error = xasprintf("%s: not a valid Ollama model name",
		    name);
		return -EINVAL;
	}
	modelstore_roots_init(&roots);
	(void)modelstore_roots_detect(&roots);
	for (i = 0; i < roots.n && mpath == NULL; i++) {
		if (roots.v[i].kind != MODELSTORE_OLLAMA)
			continue;
		if ((root = realpath(roots.v[i].path, NULL)) == NULL)
			continue;
		if ((mpath = ca_manifest(root, comp)) == NULL) {
			free(root);
			root = NULL;
		}
	}
	modelstore_roots_free(&roots);
	if (mpath == NULL) {
		display = modelstore_ollama_name(host, ns, model, tag);
		t->error = xasprintf("Ollama has no model %s (no manifest "
		    "found; pull it with ollama first)", display);
		rc = -ENOENT;
		goto out;
	}
	/* Name it as spelled on disk (lookups ignore case). */
	display = ca_display_from_path(mpath);
	if (stat(mpath, &sb) != 0 || !S_ISREG(sb.st_mode) ||
	    sb.st_size > CA_MANIFEST_MAX ||
	    (j = json_load_file(mpath, 0, &err)) == NULL ||
	    !json_is_array(layers = json_object_get(j, "layers"))) {
		t->error = xasprintf("%s: cannot read the manifest", mpath);
		rc = -EINVAL;
		goto out;
	}
	flat = xstrdup(display);
	for (p = flat; *p != '\0'; p++)
		if (*p == '/' || *p == ':')
			*p = '-';
	dir = xasprintf("%s/%s", t->cache_dir, flat);
	links = json_array();
	json_array_foreach(layers, i, layer) {
		type = json_string_value(json_object_get(layer, "mediaType"));
		digest = json_string_value(json_object_get(layer, "digest"));
		if (type == NULL || digest == NULL || strlen(digest) != 71 ||
		    !ca_is_hex64(digest + 7) ||
		    strncmp(digest, "sha256:", 7) != 0)
			continue;
		if (strcmp(type, CA_MEDIA_MODEL) == 0)
			n = (int)++nmodel;
		else if (strcmp(type, CA_MEDIA_PROJECTOR) == 0)
			n = (int)++nproj;
		else if (strcmp(type, CA_MEDIA_ADAPTER) == 0)
			n = (int)++nadapt;
		else
			continue;
		blob = xasprintf("%s/blobs/sha256-%s", root, digest + 7);
		if (stat(blob, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			t->error = xasprintf("%s: layer %s is missing from "
			    "Ollama's blobs", display, digest);
			free(blob);
			rc = -ENOENT;
			json_decref(links);
			goto out;
		}
		if (!ca_is_gguf(blob)) {
			free(blob);
			continue;
		}
		if (dfd < 0 && (dfd = ca_open_links_dir(t, flat, dir)) < 0) {
			rc = dfd;
			free(blob);
			json_decref(links);
			goto out;
		}
		suffix[0] = '\0';
		if (n > 1)
			snprintf(suffix, sizeof(suffix), "-%d", n);
		lname = xasprintf("%s%s%s.gguf",
		    strcmp(type, CA_MEDIA_PROJECTOR) == 0 ? "mmproj-" :
		    strcmp(type, CA_MEDIA_ADAPTER) == 0 ? "adapter-" : "",
		    flat, suffix);
		link = xasprintf("%s/%s", dir, lname);
		rc = ca_link(dfd, lname, blob, &what);
		free(lname);
		if (rc != 0 && rc != -EEXIST) {
			t->error = xasprintf("cannot link %s: %s", link,
			    strerror(-rc));
			free(link);
			free(blob);
			json_decref(links);
			goto out;
		}
		json_array_append_new(links, json_pack("{s:s, s:s, s:s, s:I, "
		    "s:s}", "path", link, "target", blob, "media_type", type,
		    "size_bytes", (json_int_t)sb.st_size, "state", what));
		nlinks++;
		rc = 0;
		free(link);
		free(blob);
	}
	if (nlinks == 0) {
		t->error = xasprintf("%s has no GGUF layer to link (a cloud or "
		    "safetensors model?)", display);
		json_decref(links);
		rc = -EINVAL;
		goto out;
	}
	log_info("cache: linked %s under %s", display, dir);
	t->result = json_pack("{s:s, s:s, s:s, s:s, s:o}", "kind", "ollama",
	    "model", display, "manifest", mpath, "dir", dir, "links", links);
out:
	if (dfd >= 0)
		close(dfd);
	json_decref(j);
	free(mpath);
	free(display);
	free(flat);
	free(dir);
	free(root);
	return rc;
}

/* Run an add on the worker, then rescan so the index shows it. */
int
cache_add_run(struct cache_task *t)
{
	struct modelstore_index	*idx = NULL;
	const char		*uri = t->req.uri;
	char			*path = NULL, *cause = NULL;
	json_t			*models;
	size_t			 i;
	int			 rc;

	cache_work_step(t, "add", 0, 0);
	if (strncmp(uri, "ollama://", 9) == 0)
		rc = ca_ollama(t, uri + 9);
	else if (strncmp(uri, "file://", 7) == 0) {
		rc = cache_add_check(uri, &path, &cause);
		free(cause);
		if (rc != 0)
			t->error = xasprintf("%s is gone", uri);
	} else if (strncmp(uri, "hf://", 5) == 0 && t->downloaded)
		rc = 0;		/* fetched on the loop (hf.c); now index it */
	else {
		t->error = xasprintf("%s: unsupported URI", uri);
		rc = -EINVAL;
	}
	if (rc != 0) {
		free(path);
		t->rc = rc;
		return rc;
	}
	if ((rc = cache_work_scan(t, &idx)) != 0) {
		free(path);
		return rc;
	}
	if (path != NULL) {
		models = json_array();
		for (i = 0; i < idx->nmodels; i++) {
			const char	*mp = idx->models[i].path;
			size_t		 n = strlen(path);
			char		*ref;

			if (strncmp(mp, path, n) != 0 || (mp[n] != '/' &&
			    mp[n] != '\0'))
				continue;
			ref = store_cache_model_ref(MODELSTORE_LOCAL,
			    idx->models[i].name, "");
			json_array_append_new(models, json_string(ref));
			free(ref);
		}
		t->result = json_pack("{s:s, s:s, s:o}", "kind", "file",
		    "root", path, "models", models);
		free(path);
	} else if (t->result != NULL && json_string_value(json_object_get(
	    t->result, "snapshot_dir")) != NULL) {
		char *snap = realpath(json_string_value(json_object_get(
		    t->result, "snapshot_dir")), NULL);

		models = json_array();
		for (i = 0; snap != NULL && i < idx->nmodels; i++) {
			char	*ref;

			if (strcmp(idx->models[i].path, snap) != 0)
				continue;
			ref = store_cache_model_ref(MODELSTORE_HF,
			    idx->models[i].name, idx->models[i].revision);
			json_array_append_new(models, json_string(ref));
			free(ref);
		}
		free(snap);
		json_object_set_new(t->result, "models", models);
	}
	json_object_set_new(t->result, "uri", json_string(uri));
	modelstore_index_free(idx);
	t->rc = 0;
	return 0;
}
