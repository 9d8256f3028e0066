/* SPDX-License-Identifier: ISC */
/*
 * cache.h: the model cache service: scans of the model stores, duplicate
 * search and replacement, cleanup, adds and removes, run as jobs.
 *
 * Everything here is called on the loop thread. Disk work runs on the uv
 * threadpool one task at a time, in the order asked, on a database
 * connection of its own (SQLite connections are not shared across threads
 * here); progress reaches the task's job every 250 ms and the `cache`
 * section of /v1/status is republished whenever the index changes. At start
 * the replace journal is recovered before anything reads the cache tables.
 *
 * This is the only header of daemon/cache/ the rest of the daemon includes.
 * The engine's own headers, one per concern, are for daemon/cache/ and its
 * unit tests: cache_int.h (the service and its tasks), modelstore.h and
 * modelstore_int.h (the index and its scanners), dedup.h and dedup_int.h
 * (duplicates and their replacement), store_cache.h (its SQLite tables),
 * hf.h and hf_int.h (the hf:// downloader), where.h (where it may act).
 */
#ifndef MLXD_CACHE_H
#define MLXD_CACHE_H

#include <stddef.h>

#include <jansson.h>

struct mlxd;
struct cache;

enum cache_task_kind {
	CACHE_TASK_SYNC = 0,	/* rescan every root */
	CACHE_TASK_DEDUP,	/* find duplicates, replace unless dry run */
	CACHE_TASK_CLEAN,	/* list or delete cleanup candidates */
	CACHE_TASK_ADD,		/* ollama:// links, file:// roots, hf:// */
	CACHE_TASK_REMOVE,	/* delete one model's files */
};

/*
 * Ways to make two names share storage, tried in the caller's order (the
 * "method"/"methods" of POST /v1/cache/dedup and cache.dedup.methods).
 */
enum dedup_method {
	DEDUP_CLONE = 0,	/* FIDEDUPERANGE, FICLONE or clonefile(2) */
	DEDUP_HARDLINK,		/* one inode, two names */
	DEDUP_SYMLINK,		/* absolute symlink to the kept copy */
};
#define DEDUP_NMETHODS	3

/* "clone", "hardlink", "symlink"; parse: 0 or -EINVAL. */
const char *dedup_method_name(enum dedup_method method);
int	dedup_method_parse(const char *s, enum dedup_method *methodp);

/* What POST /v1/cache/clean may delete (bits of cache_request.clean). */
#define CACHE_CLEAN_ORPHAN	0x01	/* blobs no manifest/snapshot uses */
#define CACHE_CLEAN_DETACHED	0x02	/* HF revisions no ref points to */
#define CACHE_CLEAN_PARTIAL	0x04	/* stale .incomplete / -partial */
#define CACHE_CLEAN_TEMP	0x08	/* our own leftover temp files */
#define CACHE_CLEAN_UNUSED	0x10	/* models no linked app uses */
#define CACHE_CLEAN_DEFAULT	0x0f

/* One piece of work asked for through the API. Owns its strings. */
struct cache_request {
	enum cache_task_kind	 kind;
	int			 dry_run;	/* dedup, clean */
	int			 rescan;	/* dedup: scan first */
	enum dedup_method	 methods[DEDUP_NMETHODS]; /* 0 = config */
	size_t			 nmethods;
	int			 link_user_files; /* dedup: hard links too */
	unsigned		 clean;		/* CACHE_CLEAN_* */
	char			**paths;	/* clean: only these paths */
	size_t			 npaths;
	char			*uri;		/* add */
	char			*hf_endpoint;	/* add hf://: the client's, or NULL */
	char			*hf_token;	/* add hf://: secret, never logged */
	char			*model;		/* remove: ref or name */
	int			 force;		/* remove despite linked apps */
	/*
	 * remove: delete a local: model's files. Without it a model found in
	 * a folder added with file:// is unregistered (its folder forgotten)
	 * and no file is touched. The API refuses it over TCP.
	 */
	int			 delete_files;
	char			*unregistered;	/* set by cache_submit */
};

/* Recover the journal, publish the status and queue the start-up scan. */
int	cache_start(struct mlxd *md, struct cache **cp);

/* Cancel the running task, end every job, free once the task returns. */
void	cache_stop(struct cache *c);

/* Free a request's contents (not the struct). */
void	cache_request_free(struct cache_request *req);

/*
 * Queue req as a job; takes req's contents on success (req is zeroed) and
 * puts a copy of the job id in *jobp. On failure *causep (caller frees)
 * says why: -EINVAL bad request, -ENOENT no such model or folder,
 * -EBUSY a linked app uses the model, -EEXIST an ambiguous model name,
 * -EIO the cache is unusable (journal recovery failed), -ECANCELED
 * stopping. An hf:// add downloads on the loop (hf.c) before its scan.
 */
int	cache_submit(struct cache *c, struct cache_request *req, char **jobp,
	    char **causep);

/* GET /v1/cache: the index with scan state (new reference in *outp). */
int	cache_list_json(struct cache *c, json_t **outp);

/* GET /v1/cache/stats. */
int	cache_stats_json(struct cache *c, json_t **outp);

/* GET /v1/cache/config: the cache options in effect. */
json_t	*cache_config_json(struct cache *c);

/* GET /v1/cache/apps. */
int	cache_apps_json(struct cache *c, json_t **outp);

/*
 * Link the app folder path (absolute) as name (NULL: the folder's name) and
 * queue a rescan to find the models it uses; the app in *appp and the
 * rescan's job id in *jobp. -EINVAL (bad path or name), -ENOENT (no such
 * folder), -EEXIST (the name is taken), with *causep.
 */
int	cache_app_link(struct cache *c, const char *path, const char *name,
	    json_t **appp, char **jobp, char **causep);

/*
 * 1 if name can name a linked app: non-empty, at most 128 bytes, printable
 * UTF-8 (no control characters), no '/', and not "." or "..". The API
 * checks every app name with it.
 */
int	cache_app_name_ok(const char *name);

/*
 * Unlink an app: 0 (rescan job id in *jobp) or -ENOENT. Any stored name
 * can be unlinked, also one an older version let in.
 */
int	cache_app_unlink(struct cache *c, const char *name, char **jobp);

#endif
