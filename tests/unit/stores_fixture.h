/* SPDX-License-Identifier: ISC */
/*
 * stores_fixture.h: builds real model-store trees in a mkdtemp directory for
 * test_modelstore.c and test_dedup.c: an Ollama store whose blobs are named
 * by their true sha256, an HF hub cache with blobs, refs and relative
 * snapshot symlinks (one detached revision), an LM Studio folder and a local
 * folder, with identical files across them, same-size decoys, partial
 * downloads, a symlink loop and an unreadable directory.
 *
 * Contents (unit = the scale, 1 MiB in most tests):
 *   A  2u+123 bytes: Ollama blob, HF blob (sha256 name), LM Studio copy,
 *      local hard link to the LM Studio copy
 *   B  3u+7: Ollama blob (LM Studio symlinks to it), local copy
 *   C  same size as A, last byte differs (LM Studio decoy)
 *   D  same size as A, middle byte differs (local; same head and tail)
 *   E  u+5: Ollama blob no manifest uses (orphan)
 *   F  u+9: HF blob only the detached revision uses
 */
#ifndef MLXD_STORES_FIXTURE_H
#define MLXD_STORES_FIXTURE_H

#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dedup.h"

#define FX_PATH		512	/* fixture paths stay short */
#define FX_REV_MAIN	"1111111111111111111111111111111111111111"
#define FX_REV_OLD	"2222222222222222222222222222222222222222"
#define FX_GIT_BLOB	"3333333333333333333333333333333333333333"
#define FX_TMPL		"{{ .Prompt }}"
#define FX_CONFIG	"{\"model_format\":\"gguf\",\"model_family\":\"llama\"}"

struct fx {
	char		 root[FX_PATH];
	char		 ollama[FX_PATH];
	char		 hub[FX_PATH];
	char		 lms[FX_PATH];
	char		 local[FX_PATH];
	size_t		 unit;
	size_t		 sa, sb, se, sf;
	unsigned char	*a, *b, *c, *d, *e, *f;
	char		 sha_a[65], sha_b[65], sha_e[65], sha_f[65];
	char		 sha_tmpl[65], sha_cfg[65];
};

/* snprintf that aborts the test on truncation. */
static inline void fx_fmt(char *, size_t, const char *, ...)
    __attribute__((format(printf, 3, 4)));

static inline void
fx_fmt(char *buf, size_t len, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len)
		abort();
}

static inline void
fx_gen(unsigned char *buf, size_t n, uint32_t seed)
{
	uint32_t	x = seed * 2654435761u + 1;
	size_t		i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

static inline void
fx_mkdirs(const char *path)
{
	char	buf[PATH_MAX], *p;

	fx_fmt(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(buf, 0755);
		*p = '/';
	}
	(void)mkdir(buf, 0755);
}

static inline void
fx_write(const char *path, const void *buf, size_t n)
{
	char	 dir[PATH_MAX];
	FILE	*fp;

	fx_fmt(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = '\0';
	fx_mkdirs(dir);
	if ((fp = fopen(path, "wb")) == NULL) {
		fprintf(stderr, "fx_write %s: %s\n", path, strerror(errno));
		abort();
	}
	if (n > 0 && fwrite(buf, 1, n, fp) != n)
		abort();
	fclose(fp);
}

static inline void
fx_path(char *out, const char *a, const char *b)
{
	fx_fmt(out, FX_PATH, "%s/%s", a, b);
}

/* Write buf into <dir>/sha256-<its sha256> (Ollama) and return the hex. */
static inline void
fx_ollama_blob(struct fx *fx, const void *buf, size_t n, char hex[65])
{
	char	tmp[2 * FX_PATH], dst[2 * FX_PATH];

	fx_fmt(tmp, sizeof(tmp), "%s/blobs/tmp-writing", fx->ollama);
	fx_write(tmp, buf, n);
	if (dedup_sha256_path(tmp, hex) != 0)
		abort();
	fx_fmt(dst, sizeof(dst), "%s/blobs/sha256-%s", fx->ollama, hex);
	if (rename(tmp, dst) != 0)
		abort();
}

static inline void
fx_manifest(struct fx *fx, const char *rel, const char *model_sha,
    size_t model_size, int with_template)
{
	char	path[2 * FX_PATH], json[2048];
	int	n;

	n = snprintf(json, sizeof(json), "{\"schemaVersion\":2,\"mediaType\":"
	    "\"application/vnd.docker.distribution.manifest.v2+json\","
	    "\"config\":{\"mediaType\":\"application/vnd.docker.container."
	    "image.v1+json\",\"digest\":\"sha256:%s\",\"size\":%zu},"
	    "\"layers\":[{\"mediaType\":\"application/vnd.ollama.image.model\","
	    "\"digest\":\"sha256:%s\",\"size\":%zu}", fx->sha_cfg,
	    strlen(FX_CONFIG), model_sha, model_size);
	if (with_template)
		n += snprintf(json + n, sizeof(json) - (size_t)n,
		    ",{\"mediaType\":\"application/vnd.ollama.image.template\","
		    "\"digest\":\"sha256:%s\",\"size\":%zu}", fx->sha_tmpl,
		    strlen(FX_TMPL));
	fx_fmt(json + n, sizeof(json) - (size_t)n, "]}\n");
	fx_fmt(path, sizeof(path), "%s/manifests/%s", fx->ollama, rel);
	fx_write(path, json, strlen(json));
}

/* Set a file's mtime to days ago (lstat-level for symlinks too). */
static inline void
fx_age(const char *path, int days)
{
	struct timespec	ts[2];

	clock_gettime(CLOCK_REALTIME, &ts[0]);
	ts[0].tv_sec -= (time_t)days * 86400;
	ts[1] = ts[0];
	if (utimensat(AT_FDCWD, path, ts, AT_SYMLINK_NOFOLLOW) != 0)
		abort();
}

static inline void
fx_symlink(const char *target, const char *linkpath)
{
	char	dir[PATH_MAX];

	fx_fmt(dir, sizeof(dir), "%s", linkpath);
	*strrchr(dir, '/') = '\0';
	fx_mkdirs(dir);
	if (symlink(target, linkpath) != 0)
		abort();
}

/* Build the whole tree under a new directory in base ("/tmp" usually). */
static inline void
fx_build(struct fx *fx, const char *base, size_t unit)
{
	char	p[2 * FX_PATH], q[2 * FX_PATH], r[256];

	memset(fx, 0, sizeof(*fx));
	fx_fmt(fx->root, sizeof(fx->root), "%s/mlxd-fx-XXXXXX", base);
	if (mkdtemp(fx->root) == NULL)
		abort();
	fx_path(fx->ollama, fx->root, "ollama");
	fx_path(fx->hub, fx->root, "hf/hub");
	fx_path(fx->lms, fx->root, "lms/models");
	fx_path(fx->local, fx->root, "local");
	fx->unit = unit;
	fx->sa = 2 * unit + 123;
	fx->sb = 3 * unit + 7;
	fx->se = unit + 5;
	fx->sf = unit + 9;
	fx->a = malloc(fx->sa);
	fx->b = malloc(fx->sb);
	fx->c = malloc(fx->sa);
	fx->d = malloc(fx->sa);
	fx->e = malloc(fx->se);
	fx->f = malloc(fx->sf);
	fx_gen(fx->a, fx->sa, 1);
	fx_gen(fx->b, fx->sb, 2);
	memcpy(fx->c, fx->a, fx->sa);
	fx->c[fx->sa - 1] ^= 0xff;
	memcpy(fx->d, fx->a, fx->sa);
	fx->d[fx->sa / 2] ^= 0x55;
	fx_gen(fx->e, fx->se, 5);
	fx_gen(fx->f, fx->sf, 6);

	/* Ollama */
	fx_ollama_blob(fx, fx->a, fx->sa, fx->sha_a);
	fx_ollama_blob(fx, fx->b, fx->sb, fx->sha_b);
	fx_ollama_blob(fx, fx->e, fx->se, fx->sha_e);
	fx_ollama_blob(fx, FX_TMPL, strlen(FX_TMPL), fx->sha_tmpl);
	fx_ollama_blob(fx, FX_CONFIG, strlen(FX_CONFIG), fx->sha_cfg);
	fx_manifest(fx, "registry.ollama.ai/library/llama3.2/latest",
	    fx->sha_a, fx->sa, 1);
	fx_manifest(fx, "registry.ollama.ai/library/llama3.2/3b", fx->sha_a,
	    fx->sa, 1);
	fx_manifest(fx, "registry.ollama.ai/alice/m/v1", fx->sha_a, fx->sa, 0);
	fx_manifest(fx, "hf.co/bartowski/Foo-GGUF/Q4_K_M", fx->sha_b, fx->sb,
	    0);
	/* A file at the wrong depth is not a manifest. */
	fx_fmt(p, sizeof(p), "%s/manifests/registry.ollama.ai/stray",
	    fx->ollama);
	fx_write(p, "{}", 2);
	/* An old abandoned pull and a fresh one in progress. */
	fx_fmt(p, sizeof(p), "%s/blobs/sha256-%s-partial", fx->ollama,
	    "abababababababababababababababababababababababababababababababab");
	fx_write(p, fx->f, 1000);
	fx_age(p, 3);
	fx_fmt(p, sizeof(p), "%s/blobs/sha256-%s-partial-0", fx->ollama,
	    fx->sha_b);
	fx_write(p, "{}", 2);

	/* Hugging Face hub cache */
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/tmp", fx->hub);
	fx_write(p, fx->f, fx->sf);
	if (dedup_sha256_path(p, fx->sha_f) != 0)
		abort();
	fx_fmt(q, sizeof(q), "%s/models--org--alpha/blobs/%s", fx->hub,
	    fx->sha_f);
	if (rename(p, q) != 0)
		abort();
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/%s", fx->hub,
	    fx->sha_a);
	fx_write(p, fx->a, fx->sa);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/%s", fx->hub,
	    FX_GIT_BLOB);
	fx_write(p, "{\"architectures\":[]}", 20);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/%s.incomplete",
	    fx->hub, fx->sha_b);
	fx_write(p, fx->b, 4096);
	fx_age(p, 2);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/refs/main", fx->hub);
	fx_write(p, FX_REV_MAIN, 40);
	fx_fmt(r, sizeof(r), "../../blobs/%s", fx->sha_a);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/snapshots/%s/model.gguf",
	    fx->hub, FX_REV_MAIN);
	fx_symlink(r, p);
	fx_fmt(r, sizeof(r), "../../blobs/%s", FX_GIT_BLOB);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/snapshots/%s/config.json",
	    fx->hub, FX_REV_MAIN);
	fx_symlink(r, p);
	fx_fmt(r, sizeof(r), "../../blobs/%s", fx->sha_f);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/snapshots/%s/model.gguf",
	    fx->hub, FX_REV_OLD);
	fx_symlink(r, p);
	fx_fmt(r, sizeof(r), "../../../blobs/%s", FX_GIT_BLOB);
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/snapshots/%s/sub/c.json",
	    fx->hub, FX_REV_OLD);
	fx_symlink(r, p);

	/* LM Studio */
	fx_fmt(p, sizeof(p), "%s/lmstudio-community/Alpha-GGUF/"
	    "alpha-Q4_K_M.gguf", fx->lms);
	fx_write(p, fx->a, fx->sa);
	fx_fmt(q, sizeof(q), "%s/blobs/sha256-%s", fx->ollama, fx->sha_b);
	fx_fmt(p, sizeof(p), "%s/lmstudio-community/Beta-GGUF/beta.gguf",
	    fx->lms);
	fx_symlink(q, p);
	fx_fmt(p, sizeof(p), "%s/publisher/decoy/decoy.gguf", fx->lms);
	fx_write(p, fx->c, fx->sa);
	fx_fmt(p, sizeof(p), "%s/loop/self", fx->lms);
	fx_symlink("..", p);
	fx_fmt(p, sizeof(p), "%s/secret/hidden/tiny.gguf", fx->lms);
	fx_write(p, "tiny", 4);
	fx_fmt(p, sizeof(p), "%s/secret", fx->lms);
	if (chmod(p, 0) != 0)
		abort();

	/* Local folder */
	fx_fmt(p, sizeof(p), "%s/proj/d.gguf", fx->local);
	fx_write(p, fx->d, fx->sa);
	fx_fmt(p, sizeof(p), "%s/proj/b-copy.gguf", fx->local);
	fx_write(p, fx->b, fx->sb);
	fx_fmt(p, sizeof(p), "%s/lmstudio-community/Alpha-GGUF/"
	    "alpha-Q4_K_M.gguf", fx->lms);
	fx_fmt(q, sizeof(q), "%s/proj/a-link.gguf", fx->local);
	if (link(p, q) != 0)
		abort();
}

/*
 * HF's cross-repo shared store: <hub>/blobs/ab/<xet hash> holds the bytes,
 * models--org--beta/blobs/<sha256> is a relative symlink to it, and a
 * snapshot links to that blob. The payload's path goes to out.
 */
#define FX_XET	"ab00000000000000000000000000000000000000000000000000000000000001"

static inline void
fx_hf_shared(struct fx *fx, const void *buf, size_t n, char *out, size_t len)
{
	char	p[2 * FX_PATH], r[256], sha[65];

	fx_fmt(out, len, "%s/blobs/ab/%s", fx->hub, FX_XET);
	fx_write(out, buf, n);
	if (dedup_sha256_path(out, sha) != 0)
		abort();
	fx_fmt(p, sizeof(p), "%s/blobs/.huggingface-shared-blobs", fx->hub);
	fx_write(p, "1", 1);
	fx_fmt(p, sizeof(p), "%s/models--org--beta/blobs/%s", fx->hub, sha);
	fx_symlink("../../blobs/ab/" FX_XET, p);
	fx_fmt(p, sizeof(p), "%s/models--org--beta/refs/main", fx->hub);
	fx_write(p, FX_REV_MAIN, 40);
	fx_fmt(r, sizeof(r), "../../blobs/%s", sha);
	fx_fmt(p, sizeof(p), "%s/models--org--beta/snapshots/%s/w.bin",
	    fx->hub, FX_REV_MAIN);
	fx_symlink(r, p);
}

static inline void
fx_roots(const struct fx *fx, struct modelstore_roots *roots)
{
	modelstore_roots_init(roots);
	modelstore_roots_add(roots, MODELSTORE_OLLAMA, fx->ollama);
	modelstore_roots_add(roots, MODELSTORE_HF, fx->hub);
	modelstore_roots_add(roots, MODELSTORE_LMSTUDIO, fx->lms);
	modelstore_roots_add(roots, MODELSTORE_LOCAL, fx->local);
}

static inline int
fx_rm_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (type == FTW_DP || type == FTW_D || type == FTW_DNR)
		return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
	return unlink(path) == 0 || errno == ENOENT ? 0 : -1;
}

static inline void
fx_free(struct fx *fx)
{
	char	p[2 * FX_PATH];

	if (fx->root[0] != '\0') {
		fx_fmt(p, sizeof(p), "%s/secret", fx->lms);
		(void)chmod(p, 0755);
		(void)nftw(fx->root, fx_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
	}
	free(fx->a);
	free(fx->b);
	free(fx->c);
	free(fx->d);
	free(fx->e);
	free(fx->f);
	memset(fx, 0, sizeof(*fx));
}

#endif
