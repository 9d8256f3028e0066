/* SPDX-License-Identifier: ISC */
/*
 * modelstore.h: the index of model files on disk across the stores people
 * already have: Ollama (manifests + content-addressed blobs), the Hugging Face
 * hub cache (blobs, snapshots, refs), LM Studio's models folder, and local
 * folders the user registers.
 *
 * modelstore_scan() is blocking and read-only; the daemon runs it on the uv
 * threadpool. It returns an in-memory index that store_cache_save_index()
 * persists and dedup.c works from. Every file is recorded once, by its real
 * path (symlinks resolved), with dev/inode so hard-linked names are known to
 * share storage, and with the sha256 its name already tells us when a store
 * names files by content.
 */
#ifndef MLXD_MODELSTORE_H
#define MLXD_MODELSTORE_H

#include <stddef.h>
#include <stdint.h>

struct dedup_progress;

enum modelstore_kind {
	MODELSTORE_OLLAMA = 0,
	MODELSTORE_HF,
	MODELSTORE_LMSTUDIO,
	MODELSTORE_LOCAL,
};

/*
 * Where a file lives, which decides what dedup may do to it (docs/cache.md):
 * HF_SHARED and EXTERNAL files are never replaced, only kept.
 */
enum modelstore_role {
	MODELSTORE_ROLE_OLLAMA_BLOB = 0, /* <ollama>/blobs/sha256-<hex> */
	/* repo blobs/<etag>, or snapshot file */
	MODELSTORE_ROLE_HF_BLOB,
	MODELSTORE_ROLE_HF_SHARED,	/* HF's cross-repo store <hub>/blobs/ */
	MODELSTORE_ROLE_LMSTUDIO,	/* under an LM Studio models folder */
	MODELSTORE_ROLE_LOCAL,		/* under a registered local folder */
	MODELSTORE_ROLE_EXTERNAL,	/* via a symlink, outside every root */
};

/* How the file's sha256 is known. */
enum modelstore_digest {
	MODELSTORE_DIGEST_NONE = 0,
	MODELSTORE_DIGEST_NAME,		/* Ollama blob name */
	MODELSTORE_DIGEST_HF_BLOB,	/* 64-hex HF blob name (LFS etag) */
	MODELSTORE_DIGEST_HASH,		/* computed by us */
};

enum modelstore_cleanup_kind {
	MODELSTORE_CLEANUP_ORPHAN_BLOB = 0, /* no manifest/snapshot uses it */
	MODELSTORE_CLEANUP_DETACHED_REVISION, /* HF snapshot with no ref */
	MODELSTORE_CLEANUP_STALE_PARTIAL, /* old -partial / .incomplete */
	MODELSTORE_CLEANUP_STALE_TEMP,	/* our own .mlxd-tmp- leftover */
};

struct modelstore_root {
	enum modelstore_kind	 kind;
	char			*path;
};

/*
 * What to scan. Owns its strings; initialise with modelstore_roots_init().
 * Partial downloads older than stale_age_s (default 86400) are cleanup
 * candidates; now is the Unix time ages are measured from (0: time(NULL)).
 */
struct modelstore_roots {
	struct modelstore_root	*v;
	size_t			 n;
	int64_t			 stale_age_s;
	int64_t			 now;
};

struct modelstore_store {
	enum modelstore_kind	 kind;
	char			*path;		/* canonical (realpath) */
	int			 present;	/* 0: cannot be opened */
};

/*
 * One real file, by canonical path. store is the first store that saw it;
 * sha256 is lowercase hex or "" when unknown; model is the first model
 * using it, or -1.
 */
struct modelstore_file {
	char			*path;
	size_t			 store;
	enum modelstore_role	 role;
	uint64_t		 size;		/* st_size */
	uint64_t		 blocks;	/* st_blocks * 512 */
	uint64_t		 dev;
	uint64_t		 ino;
	uint64_t		 nlink;
	int64_t			 mtime_ns;
	char			 sha256[65];
	enum modelstore_digest	 digest;
	long			 model;
};

/* One entry of a model's file list: relative path or Ollama media type. */
struct modelstore_ref {
	size_t			 file;
	char			*name;
};

/*
 * A model: an Ollama name (display form), an HF repo id at one revision
 * (commit; refs lists the refs pointing there, comma separated, and
 * detached says there are none), an LM Studio publisher/model or a local
 * folder. path is the manifest, snapshot or model directory; size sums the
 * distinct files.
 */
struct modelstore_model {
	size_t			 store;
	char			*name;
	char			*revision;	/* "" outside HF */
	char			*refs;
	char			*path;
	uint64_t		 size;
	int			 detached;
	struct modelstore_ref	*files;
	size_t			 nfiles;
};

/* Something deleting would free size bytes (report only). */
struct modelstore_cleanup {
	enum modelstore_cleanup_kind kind;
	size_t			 store;
	char			*path;
	uint64_t		 size;
	int64_t			 mtime_ns;
	char			*detail;	/* human text, e.g. the model */
};

struct modelstore_warning {
	size_t			 store;
	char			*path;
	char			*message;
};

struct modelstore_index {
	struct modelstore_store		*stores;
	size_t				 nstores;
	struct modelstore_model		*models;
	size_t				 nmodels;
	struct modelstore_file		*files;
	size_t				 nfiles;
	struct modelstore_cleanup	*cleanup;
	size_t				 ncleanup;
	struct modelstore_warning	*warnings;
	size_t				 nwarnings;
	uint64_t			 vanished;	/* gone before stat */
	/* private lookup table */
	void				*pathmap;
};

/* Empty root list with the default stale age. */
void	modelstore_roots_init(struct modelstore_roots *roots);

/* Append a root (path copied); a root listed twice is scanned once. */
void	modelstore_roots_add(struct modelstore_roots *roots,
	    enum modelstore_kind kind, const char *path);

/*
 * Append the default locations that exist, from the environment and $HOME:
 * $OLLAMA_MODELS or ~/.ollama/models (and the Linux service's
 * /usr/share/ollama/.ollama/models); HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE,
 * $HF_HOME/hub, $XDG_CACHE_HOME/huggingface/hub or ~/.cache/huggingface/hub;
 * LM Studio's downloadsFolder setting, the home named by
 * ~/.lmstudio-home-pointer, ~/.cache/lm-studio/models and ~/.lmstudio/models.
 * Returns 0, or -ENOENT when $HOME is unset.
 */
int	modelstore_roots_detect(struct modelstore_roots *roots);

/* Free the roots' contents (not the struct); fine on an empty list. */
void	modelstore_roots_free(struct modelstore_roots *roots);

/*
 * Walk every root and build the index (*idxp, free with
 * modelstore_index_free). Blocking and read-only. Unreadable directories,
 * broken symlinks, symlink loops and corrupt manifests become warnings in
 * the index; files that vanish mid-scan are skipped and counted. cb (may be
 * NULL) is called with phase DEDUP_PHASE_SCAN; *cancel (may be NULL) is
 * checked between entries. Returns 0, -ECANCELED, or -EINVAL for no roots.
 */
int	modelstore_scan(const struct modelstore_roots *roots,
	    void (*cb)(void *arg, const struct dedup_progress *), void *arg,
	    const volatile int *cancel, struct modelstore_index **idxp);

/* Free an index; accepts NULL. */
void	modelstore_index_free(struct modelstore_index *idx);

/* Index of the file with this canonical path, or -1. */
long	modelstore_index_find(const struct modelstore_index *idx,
	    const char *path);

/*
 * Ollama's short display name for manifests/<host>/<ns>/<model>/<tag>:
 * "model:tag" for registry.ollama.ai/library, "ns/model:tag" for other
 * namespaces there, "host/ns/model:tag" otherwise. Caller frees.
 */
char	*modelstore_ollama_name(const char *host, const char *ns,
	    const char *model, const char *tag);

/*
 * 1 for a download in progress, only as its writer names it: Ollama's
 * blobs/sha256-<hex>-partial and -partial-<n>, HF's blobs/<etag>.incomplete.
 * LM Studio and local folders have no partials: nothing there is one.
 */
int	modelstore_partial_of(enum modelstore_kind kind, const char *name);

/* 1 if either Ollama's or HF's rule above names a download part. */
int	modelstore_is_partial(const char *name);

/* 1 for dedup's temporary names (".<name>.mlxd-tmp-<pid>-<n>"). */
int	modelstore_is_temp(const char *name);

/* Text forms for the database and the API; parsers return 0 or -EINVAL. */
const char *modelstore_kind_name(enum modelstore_kind kind);
int	modelstore_kind_parse(const char *s, enum modelstore_kind *kindp);
const char *modelstore_role_name(enum modelstore_role role);
int	modelstore_role_parse(const char *s, enum modelstore_role *rolep);
const char *modelstore_digest_name(enum modelstore_digest digest);
int	modelstore_digest_parse(const char *s, enum modelstore_digest *digestp);
const char *modelstore_cleanup_name(enum modelstore_cleanup_kind kind);

#endif
