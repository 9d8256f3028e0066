/* SPDX-License-Identifier: ISC */
/*
 * hf.h: downloading a Hugging Face Hub repository (hf://org/repo[@rev])
 * into the hub cache, laid out exactly as huggingface_hub lays it out, so
 * transformers, mlx-lm and the hf CLI find the files.
 *
 * Everything runs on the daemon's loop through httpc; hashing of a resumed
 * file's existing bytes, fsync and rename run on the uv threadpool. Every
 * callback runs on the loop thread.
 */
#ifndef MLXD_HF_H
#define MLXD_HF_H

#include <stdint.h>

struct mlxd;
struct hf_download;

/* Largest file the Hub serves over plain HTTP (50 GB); larger is Xet-only. */
#define HF_MAX_FILE_BYTES	50000000000LL

struct hf_progress {
	const char	*phase;		/* "metadata", "download", "reuse",
					   "verify", "link" */
	const char	*file;		/* repo path worked on, or NULL */
	int		 files_done;
	int		 files_total;	/* 0 until the file list is known */
	int64_t		 bytes_done;	/* reused + resumed + downloaded */
	int64_t		 bytes_total;	/* -1 until known */
	double		 rate_bps;	/* network bytes/s, moving average;
					   NAN unknown */
	double		 eta_s;		/* NAN unknown */
};

/* A finished download; every pointer is valid during done_cb only. */
struct hf_result {
	const char	*repo;		/* "org/name" */
	const char	*ref;		/* revision as asked ("main") */
	const char	*revision;	/* the 40-hex commit it resolved to */
	const char	*snapshot_dir;	/* <repo folder>/snapshots/<commit> */
	int		 nfiles;
	int64_t		 bytes;		/* sum of the files' sizes */
	int64_t		 bytes_downloaded; /* received over the network */
	int		 reused_files;	/* blob already in the cache */
	int		 resumed_files;	/* continued a .incomplete file */
	int		 local_files;	/* made from a local file (lookup) */
	int64_t		 bytes_reused;	/* not downloaded: blobs in place and
					   local files */
	int64_t		 bytes_cloned;	/* of bytes_reused: shared blocks */
	int64_t		 bytes_linked;	/* of bytes_reused: hard links */
};

typedef void (*hf_progress_cb)(void *arg, const struct hf_progress *p);
/*
 * err is 0 (res set, msg NULL) or a negative errno (msg set, res NULL):
 * -ENOENT repository, revision or file not found; -EACCES gated or private
 * and no (valid) token; -EBUSY a blob is locked by another process;
 * -EBADMSG content does not match its sha256/sha1 etag (the bad file is
 * removed); -ECONNRESET, -ETIMEDOUT, -ECONNREFUSED, -EHOSTUNREACH network
 * trouble (a partial file is kept as blobs/<etag>.incomplete and the next
 * download of the same file resumes it); -EPROTO a reply that is not the
 * Hub's; -EFBIG a file above HF_MAX_FILE_BYTES; -EIO another HTTP status;
 * other negative errno values for local file system errors.
 */
typedef void (*hf_done_cb)(void *arg, int err, const char *msg,
    const struct hf_result *res);

/*
 * Split "org/name[@rev]", "hf://org/name[@rev]" or
 * "hf://models/org/name[@rev]" into a malloc'd repo id and revision ("main"
 * when none is given). Repo ids are at most 96 characters of [A-Za-z0-9_.-]
 * with at most one "/", no "--" or "..", and no part starting or ending with
 * "-" or "."; a revision is printable ASCII without spaces, backslashes or
 * empty, "." or ".." path parts (e.g. "v1.0", "refs/pr/1", a commit sha).
 * Outputs are set only on success. Returns 0 or -EINVAL.
 */
int	hf_parse_spec(const char *spec, char **repop, char **revp);

/*
 * The hub cache directory from the environment, as huggingface_hub finds it:
 * $HF_HUB_CACHE, $HUGGINGFACE_HUB_CACHE, $HF_HOME/hub,
 * $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub (also on
 * macOS). Returns 0 and a malloc'd path, or -ENOENT when $HOME is unset.
 */
int	hf_default_cache_dir(char **dirp);

/*
 * Start downloading every file of spec ("org/name[@rev]") into the hub
 * cache, on md->loop through md->httpc. cache_dir NULL means
 * hf_default_cache_dir(); endpoint NULL means $HF_ENDPOINT or
 * https://huggingface.co; token NULL means $HF_TOKEN,
 * $HUGGING_FACE_HUB_TOKEN, then the file $HF_TOKEN_PATH or $HF_HOME/token,
 * and "" means anonymous. The token goes only to the endpoint's host, never
 * to the storage host a file redirects to.
 *
 * Steps: model info (commit and file list), a HEAD per file for its etag
 * and size, then per file: reuse blobs/<etag> if it has the right size, or
 * download it under the .locks/<repo folder>/<etag>.lock flock into
 * blobs/<etag>.incomplete (resuming with Range when that file exists),
 * hashing while streaming, fsync and rename; then the relative symlink
 * snapshots/<commit>/<path>. refs/<rev> is written last, when rev is a name.
 * Nothing is written to the cache before every file's metadata is known.
 *
 * progress_cb (may be NULL) is called at each phase and file, and at most
 * every 200 ms while bytes arrive. done_cb is called exactly once, never
 * from inside this function, unless hf_download_cancel() is called first.
 * The download handle is valid until done_cb returns. All strings are
 * copied. Returns 0 and the handle in *dp; -EINVAL for a bad spec or a
 * token with a line break, -ENOENT when no cache directory can be found,
 * -ENOTSUP when built without libcrypto, -EIO when the first request cannot
 * be started; no callback follows a non-zero return. Cancel every download
 * before httpc_free().
 */
int	hf_download_start(struct mlxd *md, const char *spec,
	    const char *cache_dir, const char *endpoint, const char *token,
	    hf_progress_cb progress_cb, hf_done_cb done_cb, void *arg,
	    struct hf_download **dp);

/*
 * Where else the machine may hold a file: fill *pathsp (malloc'd array of
 * malloc'd paths), *linkp (malloc'd, one flag per path: 1 when the blob
 * may be a hard link of that file) and *np with files said to hold content
 * sha256 (lowercase hex) of size bytes. Called on the loop; 0 or a
 * negative errno.
 */
typedef int (*hf_lookup_cb)(void *arg, const char *sha256, int64_t size,
    char ***pathsp, unsigned char **linkp, size_t *np);

/*
 * Before downloading a file whose etag is a sha256 (LFS), ask lookup for a
 * local file with that content: the blob is made a hard link of it where
 * the lookup allows, else a clone (FICLONE, clonefile), else a copy, as
 * blobs/<etag>.incomplete; its SHA-256 is checked against the etag and it
 * is committed like a download. Only when no candidate verifies is the
 * file downloaded. Call right after hf_download_start().
 */
void	hf_download_set_lookup(struct hf_download *d, hf_lookup_cb lookup,
	    void *arg);

/*
 * Stop a download: transfers are aborted, .incomplete files are kept for a
 * later resume, and no callback is called afterwards. Safe from inside the
 * download's own progress callback; a no-op inside its done callback; NULL
 * is ignored. The handle is freed
 * (at once, or when a threadpool job in flight ends) and must not be used
 * again.
 */
void	hf_download_cancel(struct hf_download *d);

#endif
