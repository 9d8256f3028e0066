/* SPDX-License-Identifier: ISC */
/*
 * hf_int.h: what the hf:// downloader's files share and nobody else uses:
 * the pure helpers of hf_names.c (names, the environment, URLs, etags and
 * content hashes), the download's state, and the calls between hf.c (the
 * steps on the loop) and hf_blob.c (the current file's blob on disk).
 * Include "config.h" first: the hash state depends on HAVE_LIBCRYPTO.
 */
#ifndef MLXD_HF_INT_H
#define MLXD_HF_INT_H

#include <stddef.h>
#include <stdint.h>

#if HAVE_LIBCRYPTO
#include "evpapi.h"
#endif

#include "hf.h"

enum hf_hash_kind {
	HF_HASH_NONE = 0,	/* etag is neither: size check only */
	HF_HASH_SHA256,		/* LFS/Xet: etag = sha256 of the bytes */
	HF_HASH_GITSHA1,	/* regular: etag = sha1("blob <n>\0" + bytes) */
};

struct hf_hash {
	enum hf_hash_kind	 kind;
#if HAVE_LIBCRYPTO
	const struct evpapi	*ev;
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
int	hf_same_origin(const char *a, const char *b);

/* Headers. */
char	*hf_etag(const char *v);
int64_t	hf_parse_size(const char *v);

/* The download (hf.c and hf_blob.c). */
struct httpc_req;
struct hf_blob_work;

struct hf_file {
	char		*path;		/* in the repo */
	int64_t		 list_size;	/* from the model info, -1 unknown */
	int64_t		 size;		/* from the HEAD */
	char		*etag;
};

struct hf_download {
	struct mlxd		*md;
	char			*repo, *rev, *commit;
	char			*cache, *endpoint, *auth;
	char			*repo_dir, *lock_dir, *snapshot_dir;
	hf_progress_cb		 progress_cb;
	hf_done_cb		 done_cb;
	void			*arg;

	struct hf_file		*files;
	int			 nfiles;
	int			 cur;		/* file being worked on */
	int			 hops;		/* redirects followed */

	/* The current file's blob. */
	struct httpc_req	*req;
	struct hf_blob_work	*work;
	int			 fd;		/* .incomplete */
	int			 lock_fd;
	char			*tmp_path, *blob_path;
	int64_t			 have;		/* bytes in the .incomplete */
	int			 bad_status;	/* discard the body */
	int			 write_err;	/* stop reason from data_cb */
	struct hf_hash		 hash;

	/* Progress. */
	const char		*phase;
	int			 files_done;
	int64_t			 bytes_total, bytes_done, net_bytes;
	uint64_t		 last_report_ns, rate_t0;
	int64_t			 rate_b0;
	double			 rate;
	int			 reused, resumed, local;
	int64_t			 bytes_reused, bytes_cloned, bytes_linked;
	hf_lookup_cb		 lookup;
	void			*lookup_arg;

	/* Resuming after a dropped connection (hf_blob.c). */
	int			 retries;	/* in a row without progress */
	int64_t			 retry_have;	/* d->have at the last try */
	struct hf_retry		*retry;		/* a backoff in progress */

	int			 busy;
	int			 cancelled;
	int			 finished;
};

/* hf.c */
void	hf_enter(struct hf_download *d);
void	hf_leave(struct hf_download *d);
void	hf_report(struct hf_download *d, const char *phase, const char *file,
	    int force);
void	hf_fail(struct hf_download *d, int err, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	hf_finish(struct hf_download *d);
void	hf_get_start(struct hf_download *d);

/* hf_blob.c */
void	hf_blob_next(struct hf_download *d);
void	hf_blob_verify(struct hf_download *d);
void	hf_blob_release(struct hf_download *d);
int	hf_blob_cancel(struct hf_download *d);
int	hf_blob_retry(struct hf_download *d, const char *why);

#endif
