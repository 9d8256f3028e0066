/* SPDX-License-Identifier: ISC */
/*
 * hf_names.c: the pure helpers of the hf:// downloader.
 *
 * Owns what hf.c needs to know before and around its transfers but that
 * touches no loop state: parsing and checking repo ids, revisions and repo
 * paths; finding the cache directory, endpoint and token from the
 * environment as huggingface_hub does; building the Hub's URLs; reading
 * ETag and size headers; and the content hashes an etag names. Nothing here
 * keeps state between calls. Only hf_env_token() reads a file (the small
 * token file, once per download start).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "hf.h"
#include "hf_int.h"
#include "httpc.h"
#include "xmalloc.h"

#define HF_DEFAULT_ENDPOINT	"https://huggingface.co"

/* ---- hashing ---- */

/* s is exactly n hex digits. */
int
hf_is_hex(const char *s, size_t n)
{
	size_t	i;

	if (strlen(s) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/*
 * Start the hash an etag names: SHA-256 for 64 hex digits, git's blob SHA-1
 * of size bytes for 40, none otherwise. Returns 0, -ENOMEM, -EIO, or
 * -ENOTSUP when built without libcrypto.
 */
int
hf_hash_init(struct hf_hash *h, const char *etag, int64_t size)
{
#if HAVE_LIBCRYPTO
	char	pre[48];
	int	n;

	memset(h, 0, sizeof(*h));
	if (hf_is_hex(etag, 64))
		h->kind = HF_HASH_SHA256;
	else if (hf_is_hex(etag, 40))
		h->kind = HF_HASH_GITSHA1;
	else
		return 0;
	if ((h->ev = evpapi_get()) == NULL)
		return -ENOTSUP;
	if ((h->ctx = h->ev->md_ctx_new()) == NULL)
		return -ENOMEM;
	if (h->ev->digest_init_ex(h->ctx, h->kind == HF_HASH_SHA256 ?
	    h->ev->sha256() : h->ev->sha1(), NULL) != 1) {
		h->ev->md_ctx_free(h->ctx);
		h->ctx = NULL;
		return -EIO;
	}
	if (h->kind == HF_HASH_GITSHA1) {
		/* git hashes "blob <size>" and a NUL before the bytes. */
		n = snprintf(pre, sizeof(pre), "blob %lld", (long long)size);
		(void)h->ev->digest_update(h->ctx, pre, (size_t)n + 1);
	}
	return 0;
#else
	(void)etag;
	(void)size;
	memset(h, 0, sizeof(*h));
	return -ENOTSUP;
#endif
}

/* Feed n bytes to the hash; a no-op for HF_HASH_NONE. */
void
hf_hash_update(struct hf_hash *h, const void *buf, size_t n)
{
#if HAVE_LIBCRYPTO
	if (h->ctx != NULL)
		(void)h->ev->digest_update(h->ctx, buf, n);
#else
	(void)h;
	(void)buf;
	(void)n;
#endif
}

/* Finish into lowercase hex (empty for HF_HASH_NONE). */
void
hf_hash_hex(struct hf_hash *h, char out[65])
{
#if HAVE_LIBCRYPTO
	unsigned char	md[EVP_MAX_MD_SIZE];
	unsigned int	len = 0, i;

	out[0] = '\0';
	if (h->ctx == NULL)
		return;
	(void)h->ev->digest_final_ex(h->ctx, md, &len);
	h->ev->md_ctx_free(h->ctx);
	h->ctx = NULL;
	for (i = 0; i < len && i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
#else
	(void)h;
	out[0] = '\0';
#endif
}

/* Drop an unfinished hash; safe to call twice. */
void
hf_hash_free(struct hf_hash *h)
{
#if HAVE_LIBCRYPTO
	if (h->ctx != NULL)
		h->ev->md_ctx_free(h->ctx);
	h->ctx = NULL;
#else
	(void)h;
#endif
}

/* ---- names, paths and the environment ---- */

static int
hf_repo_ok(const char *repo)
{
	const char	*p, *part;
	size_t		 n = strlen(repo), len;
	int		 slashes = 0;

	if (n == 0 || n > 96 || strstr(repo, "--") != NULL ||
	    strstr(repo, "..") != NULL)
		return 0;
	for (p = repo; *p != '\0'; p++) {
		if (*p == '/')
			slashes++;
		else if (!isalnum((unsigned char)*p) && *p != '_' &&
		    *p != '-' && *p != '.')
			return 0;
	}
	if (slashes > 1)
		return 0;
	for (part = repo; part != NULL; part = p != NULL ? p + 1 : NULL) {
		p = strchr(part, '/');
		len = p != NULL ? (size_t)(p - part) : strlen(part);
		if (len == 0 || part[0] == '-' || part[0] == '.' ||
		    part[len - 1] == '-' || part[len - 1] == '.')
			return 0;
	}
	return 1;
}

/*
 * A relative path of at most max bytes with no empty, "." or ".." part,
 * no backslash and no control bytes.
 */
int
hf_relpath_ok(const char *s, size_t max)
{
	const char	*p, *part;
	size_t		 len;

	if (s[0] == '\0' || strlen(s) > max || s[0] == '/')
		return 0;
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f || *p == '\\')
			return 0;
	for (part = s; part != NULL; part = p != NULL ? p + 1 : NULL) {
		p = strchr(part, '/');
		len = p != NULL ? (size_t)(p - part) : strlen(part);
		if (len == 0 || (len == 1 && part[0] == '.') ||
		    (len == 2 && part[0] == '.' && part[1] == '.'))
			return 0;
	}
	return 1;
}

static int
hf_rev_ok(const char *rev)
{
	const char	*p;

	for (p = rev; *p != '\0'; p++)
		if (*p == ' ' || (unsigned char)*p > 0x7e)
			return 0;
	return hf_relpath_ok(rev, 255);
}

/* Split "org/name[@rev]"; see hf.h. */
int
hf_parse_spec(const char *spec, char **repop, char **revp)
{
	const char	*at;
	char		*repo, *rev;

	if (spec == NULL)
		return -EINVAL;
	if (strncmp(spec, "hf://", 5) == 0) {
		spec += 5;
		/* hf://models/org/name: repo ids have one "/" at most. */
		if (strncmp(spec, "models/", 7) == 0 &&
		    (at = strchr(spec + 7, '/')) != NULL &&
		    (strchr(spec + 7, '@') == NULL ||
		    at < strchr(spec + 7, '@')))
			spec += 7;
	}
	if ((at = strchr(spec, '@')) != NULL) {
		repo = xstrndup(spec, (size_t)(at - spec));
		rev = xstrdup(at + 1);
	} else {
		repo = xstrdup(spec);
		rev = xstrdup("main");
	}
	if (!hf_repo_ok(repo) || !hf_rev_ok(rev)) {
		free(repo);
		free(rev);
		return -EINVAL;
	}
	*repop = repo;
	*revp = rev;
	return 0;
}

static const char *
hf_env(const char *name)
{
	const char	*v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

/* Expand a leading "~/" with $HOME. */
static char *
hf_expand(const char *v)
{
	const char	*home = hf_env("HOME");

	if (home != NULL && (strcmp(v, "~") == 0 || strncmp(v, "~/", 2) == 0))
		return xasprintf("%s%s", home, v + 1);
	return xstrdup(v);
}

/* $HF_HOME, or its default; NULL without $HOME. */
static char *
hf_home(void)
{
	const char	*v;

	if ((v = hf_env("HF_HOME")) != NULL)
		return hf_expand(v);
	if ((v = hf_env("XDG_CACHE_HOME")) != NULL)
		return xasprintf("%s/huggingface", v);
	if ((v = hf_env("HOME")) != NULL)
		return xasprintf("%s/.cache/huggingface", v);
	return NULL;
}

/* The hub cache directory from the environment; see hf.h. */
int
hf_default_cache_dir(char **dirp)
{
	const char	*v;
	char		*home;

	if ((v = hf_env("HF_HUB_CACHE")) != NULL ||
	    (v = hf_env("HUGGINGFACE_HUB_CACHE")) != NULL) {
		*dirp = hf_expand(v);
		return 0;
	}
	if ((home = hf_home()) == NULL)
		return -ENOENT;
	*dirp = xasprintf("%s/hub", home);
	free(home);
	return 0;
}

/*
 * The token: $HF_TOKEN, the legacy name, then the token file; a malloc'd
 * string with surrounding white space removed, or NULL.
 */
char *
hf_env_token(void)
{
	const char	*v;
	char		*path, *home, buf[4096];
	size_t		 n, s;
	FILE		*fp;

	if ((v = hf_env("HF_TOKEN")) != NULL ||
	    (v = hf_env("HUGGING_FACE_HUB_TOKEN")) != NULL)
		return xstrdup(v);
	if ((v = hf_env("HF_TOKEN_PATH")) != NULL)
		path = hf_expand(v);
	else if ((home = hf_home()) != NULL) {
		path = xasprintf("%s/token", home);
		free(home);
	} else
		return NULL;
	fp = fopen(path, "r");
	free(path);
	if (fp == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	for (s = 0; s < n && isspace((unsigned char)buf[s]); s++)
		;
	while (n > s && isspace((unsigned char)buf[n - 1]))
		buf[--n] = '\0';
	return n > s ? xstrdup(buf + s) : NULL;
}

/*
 * The endpoint to use: endpoint, else $HF_ENDPOINT, else the public hub;
 * malloc'd, without trailing slashes.
 */
char *
hf_endpoint_url(const char *endpoint)
{
	char	*e;
	size_t	 n;

	if (endpoint == NULL && (endpoint = hf_env("HF_ENDPOINT")) == NULL)
		endpoint = HF_DEFAULT_ENDPOINT;
	e = xstrdup(endpoint);
	n = strlen(e);
	while (n > 0 && e[n - 1] == '/')
		e[--n] = '\0';
	return e;
}

/* The repo's folder in the cache, malloc'd: "models--org--name". */
char *
hf_repo_folder(const char *repo)
{
	char		*folder, *s;
	const char	*p;

	/* "models--" + the repo id with "/" turned into "--". */
	folder = s = xmalloc(strlen("models--") + 2 * strlen(repo) + 1);
	s += sprintf(s, "models--");
	for (p = repo; *p != '\0'; p++) {
		if (*p == '/')
			*s++ = '-';
		*s++ = *p == '/' ? '-' : *p;
	}
	*s = '\0';
	return folder;
}

/* ---- URLs ---- */

/* The model info URL for repo at revision rev, malloc'd. */
char *
hf_info_url(const char *endpoint, const char *repo, const char *rev)
{
	char	*enc = httpc_urlenc(rev, 0), *url;

	url = xasprintf("%s/api/models/%s/revision/%s?blobs=true",
	    endpoint, repo, enc);
	free(enc);
	return url;
}

/* The resolve URL of path in repo at commit, malloc'd. */
char *
hf_resolve_url(const char *endpoint, const char *repo, const char *commit,
    const char *path)
{
	char	*enc = httpc_urlenc(path, 1), *url;

	url = xasprintf("%s/%s/resolve/%s/%s", endpoint, repo, commit, enc);
	free(enc);
	return url;
}

/* URLs a and b have the same scheme, host and port (as written). */
int
hf_same_origin(const char *a, const char *b)
{
	const char	*ea, *eb;
	size_t		 na, nb;

	if ((ea = strstr(a, "://")) == NULL || (eb = strstr(b, "://")) == NULL)
		return 0;
	na = (size_t)(ea - a) + 3 + strcspn(ea + 3, "/?#");
	nb = (size_t)(eb - b) + 3 + strcspn(eb + 3, "/?#");
	return na == nb && strncasecmp(a, b, na) == 0;
}

/* ---- etags ---- */

/*
 * An ETag header value without W/ and quotes, malloc'd, if it is safe as a
 * file name; else NULL.
 */
char *
hf_etag(const char *v)
{
	const char	*p;
	size_t		 n;

	if (v == NULL)
		return NULL;
	if (strncmp(v, "W/", 2) == 0)
		v += 2;
	n = strlen(v);
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v++;
		n -= 2;
	}
	if (n == 0 || n > 128 || v[0] == '.')
		return NULL;
	for (p = v; p < v + n; p++)
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' &&
		    *p != '.')
			return NULL;
	return xstrndup(v, n);
}

/* A size header value: its non-negative value, or -1 if absent or bad. */
int64_t
hf_parse_size(const char *v)
{
	char		*end;
	long long	 n;

	if (v == NULL || !isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	return (int64_t)n;
}
