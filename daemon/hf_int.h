/* SPDX-License-Identifier: ISC */
/*
 * hf_int.h: what hf.c (the downloader on the loop) takes from hf_names.c
 * (names, the environment, URLs, etags and content hashes) and nobody else
 * uses. Include "config.h" first: the hash state depends on HAVE_LIBCRYPTO.
 */
#ifndef MLXD_HF_INT_H
#define MLXD_HF_INT_H

#include <stddef.h>
#include <stdint.h>

#if HAVE_LIBCRYPTO
#include <openssl/evp.h>
#endif

enum hf_hash_kind {
	HF_HASH_NONE = 0,	/* etag is neither: size check only */
	HF_HASH_SHA256,		/* LFS/Xet: etag = sha256 of the bytes */
	HF_HASH_GITSHA1,	/* regular: etag = sha1("blob <n>\0" + bytes) */
};

struct hf_hash {
	enum hf_hash_kind	 kind;
#if HAVE_LIBCRYPTO
	EVP_MD_CTX		*ctx;
#endif
};

/* Content hashes. */
int	hf_is_hex(const char *s, size_t n);
int	hf_hash_init(struct hf_hash *h, const char *etag, int64_t size);
void	hf_hash_update(struct hf_hash *h, const void *buf, size_t n);
void	hf_hash_hex(struct hf_hash *h, char out[65]);
void	hf_hash_free(struct hf_hash *h);

/* Names and the environment (hf_parse_spec, hf_default_cache_dir: hf.h). */
int	hf_relpath_ok(const char *s, size_t max);
char	*hf_env_token(void);
char	*hf_endpoint_url(const char *endpoint);
char	*hf_repo_folder(const char *repo);

/* URLs. */
char	*hf_info_url(const char *endpoint, const char *repo, const char *rev);
char	*hf_resolve_url(const char *endpoint, const char *repo,
	    const char *commit, const char *path);
char	*hf_urlenc(const char *s, int keep_slash);
int	hf_same_origin(const char *a, const char *b);

/* Headers. */
char	*hf_etag(const char *v);
int64_t	hf_parse_size(const char *v);

#endif
