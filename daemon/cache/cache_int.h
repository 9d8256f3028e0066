/* SPDX-License-Identifier: ISC */
/*
 * cache_int.h: what the cache service (cache.c, on the loop) shares with the
 * task bodies that run on the uv threadpool (cache_work.c, cache_delete.c,
 * cache_add.c), and nothing else includes.
 *
 * A task is created on the loop with a snapshot of the configuration it
 * needs, handed to uv_queue_work, and read back in the after-work callback.
 * While it runs, the worker thread owns everything in it except the
 * progress snapshot (guarded by mtx) and the cancel flag (set by the loop).
 */
#ifndef MLXD_CACHE_INT_H
#define MLXD_CACHE_INT_H

#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <uv.h>

#include "cache.h"
#include "dedup.h"
#include "modelstore.h"
#include "store_cache.h"

struct store;
struct job;
struct hf_download;

/* At most this many groups, actions or items go into a job's result. */
#define CACHE_RESULT_MAX	1000

struct cache_task {
	struct cache		*cache;
	struct cache_request	 req;
	struct job		*job;		/* NULL once ended */
	uv_work_t		 work;
	struct cache_task	*next;		/* queue */

	/* Configuration snapshot, taken when the task was queued. */
	enum dedup_method	 methods[DEDUP_NMETHODS];
	size_t			 nmethods;
	uint64_t		 min_size;
	char			**roots;	/* cache.roots */
	size_t			 nroots;
	char			*cache_dir;	/* resolved cache.dir */
	char			*data_dir;	/* mlxd's, never indexed */

	/* hf:// adds download on the loop first (hf.c), then scan. */
	struct hf_download	*hf;		/* while downloading */
	int			 downloaded;

	/* Worker side. */
	struct store		*st;		/* the worker's connection */
	volatile int		 cancel;
	pthread_mutex_t		 mtx;		/* guards the progress below */
	struct dedup_progress	 prog;
	char			 step[16];	/* "scan", "find", "apply", ... */
	char			 path[PATH_MAX];
	int			 have_prog;

	/* Outcome, read on the loop after the work. */
	int			 rc;
	json_t			*result;
	char			*error;
	int			 index_changed;	/* a scan was saved */
	/* The index tables' signature: the cache's when the task starts,
	 * handed back when a scan of the task saved (index_sig_set). */
	struct store_cache_sig	 index_sig;
	int			 index_sig_set;
	uint64_t		 index_gen;	/* the cache's at the start */
	unsigned char		*used;		/* per model of the last scan:
						   a linked app uses it */
	int64_t			 wasted;	/* dedup found, or -1 */
};

/* cache_work.c: runs the task on a threadpool thread. */
void	cache_work_run(struct cache_task *t);

/* Engine progress callback; arg is the task. */
void	cache_work_progress(void *arg, const struct dedup_progress *p);

/* Set the task's step name and reset its progress (worker). */
void	cache_work_step(struct cache_task *t, const char *step,
	    uint64_t files_total, uint64_t bytes_total);

/* Count one file done in a step of our own (worker). */
void	cache_work_tick(struct cache_task *t, const char *path,
	    uint64_t bytes);

/*
 * Scan every root into the database (the linked apps' usage included) and
 * return the fresh index in *idxp (free with modelstore_index_free). Sets
 * t->index_changed. 0, -ECANCELED or a negative errno with t->error set.
 */
int	cache_work_scan(struct cache_task *t, struct modelstore_index **idxp);

/*
 * Which linked app uses which model of idx: an app folder holding a symlink
 * into a model (file or folder) or a hard link of one of its files, a folder
 * inside a model, or a model inside the folder. Pairs in *usagep (free with
 * cache_usage_free).
 */
struct store_cache_app;
struct store_cache_usage;
void	cache_work_usage(const struct modelstore_index *idx,
	    const struct store_cache_app *apps, size_t napps,
	    struct store_cache_usage **usagep, size_t *np);
void	cache_usage_free(struct store_cache_usage *usage, size_t n);

/* cache_delete.c: clean and remove (worker). */
int	cache_delete_clean(struct cache_task *t);
int	cache_delete_remove(struct cache_task *t);

/*
 * Match spec (a ref "<kind>:<name>[@<revision or ref>]", or a bare name)
 * against a model; 1 if it names it. Ollama names are compared in their
 * display form ("llama3.2" is "llama3.2:latest").
 */
int	cache_model_match(const char *spec, enum modelstore_kind kind,
	    const char *name, const char *revision, const char *refs);

/* cache_add.c: adds (worker), and the URI checks made on the loop. */
int	cache_add_run(struct cache_task *t);

/*
 * Check an add URI on the loop: 0 for ollama:// and hf://, or for file://
 * with the folder's absolute path in *pathp (caller frees). -EINVAL,
 * -ENOENT, -ENOTDIR or -ENOSYS (hf:// not built in) with *causep.
 */
int	cache_add_check(const char *uri, char **pathp, char **causep);

/*
 * Parse an Ollama model name as Ollama does (types/model/name.go): default
 * host registry.ollama.ai, namespace library, tag latest. 0 or -EINVAL.
 */
int	cache_ollama_parse(const char *in, char host[351], char ns[81],
	    char model[81], char tag[81]);

/* Remove a directory tree without following symlinks; 0 or -errno. */
int	cache_rmtree(const char *path);

#endif
