/* SPDX-License-Identifier: ISC */
/*
 * cache.c: the model cache service on the loop.
 *
 * Requests become tasks in a FIFO; one task at a time runs on the uv
 * threadpool (cache_work.c) with the service's own database connection, so
 * scans and dedup never block the loop and never share a connection across
 * threads. A task's job shows its progress: the worker writes a snapshot
 * under a mutex and a 250 ms timer here turns it into job progress. Cancel
 * sets the task's flag, which the engine checks between files and reads.
 * At start, dedup_recover() finishes or rolls back whatever a killed daemon
 * left half done, before the first scan or any reader touches the cache
 * tables. The `cache` section of /v1/status is republished when a task
 * starts or ends.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <inttypes.h>
#if HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cache.h"
#include "cache_int.h"
#include "dedup.h"
#include "hf.h"
#include "jobs.h"
#include "log.h"
#include "osdep.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "state.h"
#include "store.h"
#include "store_cache.h"
#include "timeutil.h"
#include "where.h"
#include "xmalloc.h"

#define CACHE_PROGRESS_MS	250
#define CACHE_META_SCAN		"cache_last_scan_at"
#define CACHE_META_DEDUP	"cache_last_dedup_at"
#define CACHE_META_WASTED	"cache_last_wasted"

struct cache {
	struct mlxd		*md;
	struct store		*wst;		/* the worker's connection */
	struct cache_task	*queue;		/* waiting, oldest first */
	struct cache_task	*running;
	uv_timer_t		 timer;
	int			 refs;		/* self + running work */
	int			 stopping;
	char			*broken;	/* why the cache is unusable */
	int64_t			 last_scan_at;	/* Unix s, 0 = never */
	int64_t			 last_dedup_at;
	int64_t			 last_wasted;	/* bytes, -1 = unknown */
	struct store_cache_sig	 index_sig;	/* what the index holds */
	uint64_t		 index_gen;	/* + 1 when the loop writes */
};

static const char *const cache_kind_names[] = {
	"cache.sync", "cache.dedup", "cache.clean", "cache.add",
	"cache.remove",
};

static const char *const cache_phase_names[] = {
	"scan", "group", "sample", "hash", "compare", "apply", "done",
};

static void	cache_run_next(struct cache *c);

/* Free a request's contents. */
void
cache_request_free(struct cache_request *req)
{
	size_t	i;

	for (i = 0; i < req->npaths; i++)
		free(req->paths[i]);
	free(req->paths);
	free(req->uri);
	free(req->model);
	free(req->unregistered);
	free(req->hf_endpoint);
	if (req->hf_token != NULL) {
		/* The token does not outlive the request in memory either. */
		volatile char *p = req->hf_token;
		while (*p != '\0')
			*p++ = '\0';
		free(req->hf_token);
	}
	memset(req, 0, sizeof(*req));
}

static void
cache_task_free(struct cache_task *t)
{
	size_t	i;

	if (t == NULL)
		return;
	cache_request_free(&t->req);
	for (i = 0; i < t->nroots; i++)
		free(t->roots[i]);
	free(t->roots);
	free(t->cache_dir);
	free(t->data_dir);
	json_decref(t->result);
	free(t->error);
	free(t->used);
	pthread_mutex_destroy(&t->mtx);
	free(t);
}

static void
cache_free(struct cache *c)
{
	store_close(c->wst);
	free(c->broken);
	free(c);
}

static void
cache_unref(struct cache *c)
{
	if (--c->refs == 0)
		cache_free(c);
}

static void
cache_timer_closed(uv_handle_t *h)
{
	cache_unref(h->data);
}

static int64_t
cache_meta_int(struct store *st, const char *key, int64_t def)
{
	char	*v = NULL, *end;
	int64_t	 n;

	if (store_meta_get(st, key, &v) != 0)
		return def;
	n = strtoll(v, &end, 10);
	if (end == v || *end != '\0')
		n = def;
	free(v);
	return n;
}

static void
cache_meta_put(struct store *st, const char *key, int64_t v)
{
	char	buf[32];
	int	rc;

	snprintf(buf, sizeof(buf), "%" PRId64, v);
	if ((rc = store_meta_set(st, key, buf)) != 0)
		log_warnx("cache: cannot record %s: %s", key, strerror(-rc));
}

static json_t *
cache_time_json(int64_t unix_s)
{
	return unix_s > 0 ? timeutil_iso_json(unix_s * 1000000000LL) :
	    json_null();
}

/* The /v1/status "cache" section. */
static json_t *
cache_status_json(struct cache *c)
{
	struct dedup_stats	s;
	int64_t			nmodels = 0;
	int			ok;

	ok = c->broken == NULL && store_cache_count_models(c->md->store,
	    &nmodels) == 0 && store_cache_stats(c->md->store, &s) == 0;
	if (!ok)
		memset(&s, 0, sizeof(s));
	return json_pack("{s:I, s:I, s:I, s:I, s:o, s:I, s:o, s:b, s:o, s:o}",
	    "models", (json_int_t)nmodels,
	    "files", (json_int_t)s.files,
	    "logical_bytes", (json_int_t)s.logical,
	    "physical_bytes", (json_int_t)s.physical_est,
	    "reclaimable_bytes", c->last_wasted >= 0 ?
	    json_integer(c->last_wasted) : json_null(),
	    "cleanup_bytes", (json_int_t)s.cleanup_bytes,
	    "last_scan_at", cache_time_json(c->last_scan_at),
	    "scanning", c->running != NULL,
	    "job", c->running != NULL && c->running->job != NULL ?
	    json_string(job_id(c->running->job)) : json_null(),
	    "error", c->broken != NULL ? json_string(c->broken) :
	    json_null());
}

static void
cache_publish(struct cache *c)
{
	state_publish(STATE_CACHE, cache_status_json(c));
}

/* The worker's progress snapshot as job progress. */
static json_t *
cache_progress_json(struct cache_task *t)
{
	struct dedup_progress	p;
	char			step[sizeof(t->step)], path[PATH_MAX];
	json_t			*pct = json_null();

	pthread_mutex_lock(&t->mtx);
	p = t->prog;
	memcpy(step, t->step, sizeof(step));
	memcpy(path, t->path, sizeof(path));
	pthread_mutex_unlock(&t->mtx);
	if (p.bytes_total > 0)
		pct = json_real(100.0 * (double)p.bytes_done /
		    (double)p.bytes_total);
	else if (p.files_total > 0)
		pct = json_real(100.0 * (double)p.files_done /
		    (double)p.files_total);
	return json_pack("{s:s, s:s, s:I, s:o, s:I, s:o, s:I, s:I, s:I, s:I, "
	    "s:f, s:o, s:o, s:s}",
	    "step", step,
	    "phase", (size_t)p.phase < sizeof(cache_phase_names) /
	    sizeof(cache_phase_names[0]) ? cache_phase_names[p.phase] : "?",
	    "files_done", (json_int_t)p.files_done,
	    "files_total", p.files_total > 0 ?
	    json_integer((json_int_t)p.files_total) : json_null(),
	    "bytes_done", (json_int_t)p.bytes_done,
	    "bytes_total", p.bytes_total > 0 ?
	    json_integer((json_int_t)p.bytes_total) : json_null(),
	    "files_sampled", (json_int_t)p.files_sampled,
	    "files_hashed", (json_int_t)p.files_hashed,
	    "files_compared", (json_int_t)p.files_compared,
	    "bytes_read", (json_int_t)p.bytes_read,
	    "rate_bytes_per_s", p.rate,
	    "eta_s", p.eta_s >= 0 ? json_integer(p.eta_s) : json_null(),
	    "percent", pct,
	    "path", path);
}

static void
cache_timer_cb(uv_timer_t *timer)
{
	struct cache		*c = timer->data;
	struct cache_task	*t = c->running;

	if (t == NULL || t->job == NULL || !t->have_prog)
		return;
	job_progress(t->job, cache_progress_json(t));
}

static void
cache_work_cb(uv_work_t *w)
{
	/* Hashing and dedup yield to interactive work; a pool thread. */
	(void)osdep_thread_background(1);
	cache_work_run(w->data);
	(void)osdep_thread_background(0);
}

/* End a task on the loop: its job, what it changed, then the next. */
static void
cache_task_end(struct cache *c, struct cache_task *t)
{
	const char	*state;

	c->running = NULL;
	if (t->index_sig_set) {
		c->index_sig = t->index_sig;
		/* Rows the loop changed meanwhile are not in it. */
		if (t->index_gen != c->index_gen)
			c->index_sig.valid = 0;
	}
	if (t->index_changed) {
		c->last_scan_at = time(NULL);
		cache_meta_put(c->md->store, CACHE_META_SCAN, c->last_scan_at);
	}
	if (t->wasted >= 0) {
		c->last_wasted = t->wasted;
		c->last_dedup_at = time(NULL);
		cache_meta_put(c->md->store, CACHE_META_WASTED, c->last_wasted);
		cache_meta_put(c->md->store, CACHE_META_DEDUP,
		    c->last_dedup_at);
	}
	if (t->job != NULL) {
		if (t->have_prog)
			job_progress(t->job, cache_progress_json(t));
		state = t->rc == 0 ? JOB_DONE : t->rc == -ECANCELED ?
		    JOB_CANCELLED : JOB_FAILED;
		log_info("cache: %s %s%s%s", job_id(t->job), state,
		    t->error != NULL ? ": " : "", t->error != NULL ?
		    t->error : "");
		job_finish(t->job, state, t->result, t->rc == 0 ? NULL :
		    t->error != NULL ? t->error : strerror(-t->rc));
		t->result = NULL;
		t->job = NULL;
	}
	cache_task_free(t);
	/*
	 * A scan or dedup leaves freed heap and a full page cache behind:
	 * hand them back (the loop's own connection is idle here too).
	 */
	if (c->queue == NULL) {
		store_release_memory(c->wst);
		store_release_memory(c->md->store);
#if HAVE_MALLOC_TRIM
		(void)malloc_trim(0);
#endif
	}
	cache_run_next(c);
	cache_publish(c);
}

/* Back on the loop after the threadpool ran the task. */
static void
cache_after_work_cb(uv_work_t *w, int status)
{
	struct cache_task	*t = w->data;
	struct cache		*c = t->cache;

	(void)status;
	if (c->stopping) {
		c->running = NULL;
		cache_task_free(t);
		cache_unref(c);
		return;
	}
	cache_task_end(c, t);
	cache_unref(c);
}

/* Hand the task to the threadpool. */
static int
cache_queue_work(struct cache *c, struct cache_task *t)
{
	int	rc;

	t->st = c->wst;
	t->work.data = t;
	c->refs++;
	if ((rc = uv_queue_work(c->md->loop, &t->work, cache_work_cb,
	    cache_after_work_cb)) != 0) {
		c->refs--;
		log_warnx("cache: cannot queue work: %s", uv_strerror(rc));
		t->rc = rc;
		t->error = xasprintf("cannot queue work: %s", uv_strerror(rc));
	}
	return rc;
}

/* hf:// download progress (loop). */
static void
cache_hf_progress(void *arg, const struct hf_progress *p)
{
	struct cache_task	*t = arg;

	pthread_mutex_lock(&t->mtx);
	snprintf(t->step, sizeof(t->step), "%s", p->phase != NULL ?
	    p->phase : "download");
	t->prog.phase = DEDUP_PHASE_SCAN;
	t->prog.files_done = p->files_done > 0 ? (uint64_t)p->files_done : 0;
	t->prog.files_total = p->files_total > 0 ? (uint64_t)p->files_total :
	    0;
	t->prog.bytes_done = p->bytes_done > 0 ? (uint64_t)p->bytes_done : 0;
	t->prog.bytes_total = p->bytes_total > 0 ? (uint64_t)p->bytes_total :
	    0;
	t->prog.rate = p->rate_bps == p->rate_bps ? p->rate_bps : 0;
	t->prog.eta_s = p->eta_s == p->eta_s ? (int64_t)p->eta_s : -1;
	snprintf(t->path, sizeof(t->path), "%s", p->file != NULL ? p->file :
	    "");
	t->have_prog = 1;
	pthread_mutex_unlock(&t->mtx);
}

/* hf:// lookup (loop): indexed files that hold this sha256. */
static int
cache_hf_lookup(void *arg, const char *sha256, int64_t size, char ***pathsp,
    unsigned char **linkp, size_t *np)
{
	struct cache_task	*t = arg;
	enum modelstore_role	*roles = NULL;
	unsigned char		*link;
	size_t			 i;
	int			 hardlink = 0, rc;

	if ((rc = store_cache_find_sha(t->cache->md->store, sha256,
	    (uint64_t)size, pathsp, &roles, np)) != 0)
		return rc;
	/* Hard links only if configured, and only of store blobs. */
	for (i = 0; i < t->nmethods; i++)
		hardlink |= t->methods[i] == DEDUP_HARDLINK;
	link = xcalloc(*np + 1, 1);
	for (i = 0; i < *np; i++)
		link[i] = hardlink &&
		    (roles[i] == MODELSTORE_ROLE_OLLAMA_BLOB ||
		    roles[i] == MODELSTORE_ROLE_HF_BLOB);
	free(roles);
	*linkp = link;
	return 0;
}

/* hf:// download finished (loop): scan on the threadpool, or fail. */
static void
cache_hf_done(void *arg, int err, const char *msg, const struct hf_result *r)
{
	struct cache_task	*t = arg;
	struct cache		*c = t->cache;

	t->hf = NULL;
	if (err != 0) {
		t->rc = err;
		t->error = xstrdup(msg != NULL ? msg : strerror(-err));
		cache_task_end(c, t);
		return;
	}
	t->downloaded = 1;
	t->result = json_pack("{s:s, s:s, s:s, s:s, s:s, s:i, s:I, s:I, s:i, "
	    "s:i, s:I, s:I, s:I, s:i}",
	    "kind", "hf",
	    "repo", r->repo,
	    "ref", r->ref,
	    "revision", r->revision,
	    "snapshot_dir", r->snapshot_dir,
	    "files", r->nfiles,
	    "bytes", (json_int_t)r->bytes,
	    "bytes_downloaded", (json_int_t)r->bytes_downloaded,
	    "reused_files", r->reused_files,
	    "resumed_files", r->resumed_files,
	    "bytes_reused", (json_int_t)r->bytes_reused,
	    "bytes_cloned", (json_int_t)r->bytes_cloned,
	    "bytes_linked", (json_int_t)r->bytes_linked,
	    "local_files", r->local_files);
	log_info("cache: downloaded %s@%s (%d files)", r->repo, r->revision,
	    r->nfiles);
	if (cache_queue_work(c, t) != 0)
		cache_task_end(c, t);
}

/*
 * The token for an hf:// add: the client's, else the first line of
 * hf.token_file, else NULL (the downloader then reads $HF_TOKEN and
 * huggingface_hub's token file). Never logged.
 */
static char *
cache_hf_token(struct cache *c, struct cache_task *t)
{
	const char	*file = c->md->cfg->hf_token_file;
	char		 buf[512], *tok;
	volatile char	*p;
	FILE		*fp;

	if (t->req.hf_token != NULL)
		return t->req.hf_token;
	if (file == NULL || *file == '\0')
		return NULL;
	if ((fp = fopen(file, "r")) == NULL) {
		log_warnx("cache: hf.token_file %s: %s", file,
		    strerror(errno));
		return NULL;
	}
	buf[0] = '\0';
	if (fgets(buf, sizeof(buf), fp) == NULL)
		buf[0] = '\0';
	fclose(fp);
	buf[strcspn(buf, "\r\n")] = '\0';
	tok = buf[0] != '\0' ? xstrdup(buf) : NULL;
	for (p = buf; p < buf + sizeof(buf); p++)
		*p = '\0';
	return tok;
}

static void
cache_run_next(struct cache *c)
{
	struct cache_task	*t;
	char			*token;
	const char		*endpoint;
	int			 rc;

	if (c->running != NULL || c->stopping)
		return;
	if ((t = c->queue) == NULL) {
		uv_timer_stop(&c->timer);
		return;
	}
	c->queue = t->next;
	t->next = NULL;
	c->running = t;
	t->index_sig = c->index_sig;
	t->index_gen = c->index_gen;
	if (t->req.kind == CACHE_TASK_ADD &&
	    strncmp(t->req.uri, "hf://", 5) == 0) {
		/* The download runs on the loop; the scan follows it. */
		cache_work_step(t, "metadata", 0, 0);
		token = cache_hf_token(c, t);
		endpoint = t->req.hf_endpoint != NULL ? t->req.hf_endpoint :
		    c->md->cfg->hf_endpoint != NULL &&
		    *c->md->cfg->hf_endpoint != '\0' ?
		    c->md->cfg->hf_endpoint : NULL;
		rc = hf_download_start(c->md, t->req.uri, NULL, endpoint,
		    token, cache_hf_progress, cache_hf_done, t, &t->hf);
		if (token != NULL && token != t->req.hf_token) {
			volatile char *p = token;
			while (*p != '\0')
				*p++ = '\0';
			free(token);
		}
		if (rc != 0) {
			t->rc = rc;
			t->error = xasprintf("cannot start the download: %s",
			    strerror(-rc));
			cache_task_end(c, t);
			return;
		}
		hf_download_set_lookup(t->hf, cache_hf_lookup, t);
	} else if (cache_queue_work(c, t) != 0) {
		cache_task_end(c, t);
		return;
	}
	uv_timer_start(&c->timer, cache_timer_cb, CACHE_PROGRESS_MS,
	    CACHE_PROGRESS_MS);
	cache_publish(c);
}

/* DELETE /v1/jobs/{id}: drop a waiting task, or flag the running one. */
static void
cache_job_cancel(void *arg)
{
	struct cache_task	*t = arg, **tp;
	struct cache		*c = t->cache;

	if (c->running == t) {
		t->cancel = 1;
		if (t->hf != NULL) {
			/* No callback follows a cancel: end it here. */
			hf_download_cancel(t->hf);
			t->hf = NULL;
			t->rc = -ECANCELED;
			t->error = xstrdup("cancelled; a partial download is "
			    "kept and resumed by the next add");
			cache_task_end(c, t);
		}
		return;
	}
	for (tp = &c->queue; *tp != NULL; tp = &(*tp)->next) {
		if (*tp != t)
			continue;
		*tp = t->next;
		job_finish(t->job, JOB_CANCELLED, NULL, "cancelled before it "
		    "started");
		t->job = NULL;
		cache_task_free(t);
		return;
	}
}

static char *
cache_dir_of(const struct mlxd *md)
{
	if (md->cfg->cache_dir != NULL && *md->cfg->cache_dir != '\0')
		return xstrdup(md->cfg->cache_dir);
	return xasprintf("%s/models", md->data_dir);
}

/* A task for req (taken) with the configuration it needs. */
static struct cache_task *
cache_task_new(struct cache *c, struct cache_request *req)
{
	const struct mlxd_config	*cfg = c->md->cfg;
	struct cache_task		*t;
	enum dedup_method		 m;
	int				 i;

	t = xcalloc(1, sizeof(*t));
	t->cache = c;
	t->req = *req;
	memset(req, 0, sizeof(*req));
	pthread_mutex_init(&t->mtx, NULL);
	t->wasted = -1;
	for (i = 0; i < cfg->cache_dedup_methods.n &&
	    t->nmethods < DEDUP_NMETHODS; i++)
		if (dedup_method_parse(cfg->cache_dedup_methods.v[i],
		    &m) == 0)
			t->methods[t->nmethods++] = m;
	if (t->nmethods == 0)
		t->methods[t->nmethods++] = DEDUP_CLONE;
	t->min_size = (uint64_t)cfg->cache_min_size_bytes;
	t->roots = xcalloc((size_t)cfg->cache_roots.n + 1, sizeof(*t->roots));
	for (i = 0; i < cfg->cache_roots.n; i++)
		t->roots[t->nroots++] = xstrdup(cfg->cache_roots.v[i]);
	t->cache_dir = cache_dir_of(c->md);
	t->data_dir = xstrdup(c->md->data_dir);
	return t;
}

/* Queue a task and give it its job. */
static void
cache_enqueue(struct cache *c, struct cache_task *t, const char *target)
{
	struct cache_task	**tp;

	t->job = jobs_create(c->md->jobs, cache_kind_names[t->req.kind],
	    target, cache_job_cancel, t);
	for (tp = &c->queue; *tp != NULL; tp = &(*tp)->next)
		;
	*tp = t;
	if (c->running != NULL)
		job_progress(t->job, json_pack("{s:s}", "step", "queued"));
	cache_run_next(c);
}

/* Resolve a remove request's model on the current index (loop). */
static int
cache_check_remove(struct cache *c, struct cache_request *req, char **causep,
    enum modelstore_kind *kindp, char **pathp)
{
	struct store_cache_model	*v = NULL;
	size_t				 n = 0, i, found = 0, at = 0;
	char				*list = NULL, *s;
	int				 rc;

	if ((rc = store_cache_models_list(c->md->store, &v, &n)) != 0) {
		*causep = xasprintf("cannot read the index: %s",
		    strerror(-rc));
		return rc;
	}
	for (i = 0; i < n; i++) {
		if (!cache_model_match(req->model, v[i].kind, v[i].name,
		    v[i].revision, v[i].refs))
			continue;
		s = xasprintf("%s%s%s", list != NULL ? list : "",
		    list != NULL ? ", " : "", v[i].ref);
		free(list);
		list = s;
		found++;
		at = i;
	}
	if (found == 0) {
		/* The start-up scan may not have seen it yet. */
		rc = c->running != NULL || c->queue != NULL ? 0 : -ENOENT;
		if (rc != 0)
			*causep = xasprintf("no model '%s' in the cache index "
			    "(see GET /v1/cache for names)", req->model);
	} else if (found > 1) {
		*causep = xasprintf("'%s' names %zu models: %s; give one of "
		    "these", req->model, found, list);
		rc = -EEXIST;
	} else if (*v[at].apps != '\0' && !req->force) {
		*causep = xasprintf("%s is used by linked app%s %s; unlink "
		    "%s or pass --force (\"force\": true)", v[at].ref,
		    strchr(v[at].apps, ',') ? "s" : "", v[at].apps,
		    strchr(v[at].apps, ',') ? "them" : "it");
		rc = -EBUSY;
	} else {
		free(req->model);
		req->model = xstrdup(v[at].ref);
		*kindp = v[at].kind;
		*pathp = xstrdup(v[at].path);
		rc = 0;
	}
	free(list);
	store_cache_models_free(v, n);
	return rc;
}

/*
 * A local: model is in a folder of the user's. Without delete_files it is
 * unregistered: the folder added with file:// that holds it is forgotten
 * (req->unregistered) and no file is touched. mlxd's own links folder
 * (cache.dir) holds only links, which remove deletes as before. A model
 * in a folder listed in cache.roots cannot be unregistered here: -EPERM.
 */
static int
cache_check_local(struct cache *c, struct cache_request *req,
    enum modelstore_kind kind, const char *path, char **causep)
{
	char	**roots = NULL, *dir, *real, *best = NULL;
	size_t	  n = 0, i;
	int	  rc;

	if (kind != MODELSTORE_LOCAL || req->delete_files)
		return 0;
	dir = cache_dir_of(c->md);
	real = dir != NULL ? realpath(dir, NULL) : NULL;
	free(dir);
	if (real != NULL && where_under(path, real)) {
		free(real);
		return 0;
	}
	free(real);
	if ((rc = store_cache_roots_list(c->md->store, &roots, &n)) != 0) {
		*causep = xasprintf("cannot read the added folders: %s",
		    strerror(-rc));
		return rc;
	}
	for (i = 0; i < n; i++)
		if ((where_under(path, roots[i]) || strcmp(path,
		    roots[i]) == 0) && (best == NULL || strlen(roots[i]) >
		    strlen(best)))
			best = roots[i];
	if (best == NULL) {
		*causep = xasprintf("%s is in a folder listed in cache.roots; "
		    "mlxd deletes nothing in your folders unless asked "
		    "(delete_files), and a configured folder is forgotten by "
		    "taking it out of cache.roots", req->model);
		store_cache_strings_free(roots, n);
		return -EPERM;
	}
	if ((rc = store_cache_root_remove(c->md->store, best)) != 0 &&
	    rc != -ENOENT) {
		*causep = xasprintf("cannot forget %s: %s", best,
		    strerror(-rc));
		store_cache_strings_free(roots, n);
		return rc;
	}
	log_info("cache: %s: forgot the folder %s (no file deleted)",
	    req->model, best);
	req->unregistered = xstrdup(best);
	store_cache_strings_free(roots, n);
	return 0;
}

/* Queue a request as a job. */
int
cache_submit(struct cache *c, struct cache_request *req, char **jobp,
    char **causep)
{
	struct cache_task	*t;
	enum modelstore_kind	 kind = MODELSTORE_OLLAMA;
	char			*path = NULL, *target = NULL;
	int			 rc;

	if (c->stopping) {
		*causep = xstrdup("mlxd is stopping");
		return -ECANCELED;
	}
	if (c->broken != NULL) {
		*causep = xstrdup(c->broken);
		return -EIO;
	}
	switch (req->kind) {
	case CACHE_TASK_ADD:
		if ((rc = cache_add_check(req->uri, &path, causep)) != 0) {
			free(path);
			return rc;
		}
		/* The database would be listed as a model. */
		if (path != NULL && where_overlaps(path, c->md->data_dir)) {
			*causep = xasprintf("%s holds mlxd's own data (%s); add "
			    "the folder that holds the weights", path,
			    c->md->data_dir);
			free(path);
			return -EPERM;
		}
		if (path != NULL && (rc = store_cache_root_add(c->md->store,
		    path)) != 0 && rc != -EEXIST) {
			*causep = xasprintf("cannot register %s: %s", path,
			    strerror(-rc));
			free(path);
			return rc;
		}
		free(path);
		target = xstrdup(req->uri);
		break;
	case CACHE_TASK_REMOVE:
		if (strncmp(req->model, "file://", 7) == 0) {
			/* Forget a folder added with file://; no deletion. */
			char	*why = NULL;

			if ((rc = cache_add_check(req->model, &path,
			    &why)) != 0 && rc != -ENOENT && rc != -EPERM) {
				free(path);
				*causep = why;
				return rc;
			}
			free(why);
			/* A folder registered before the checks got strict
			 * can still be forgotten. */
			if (path == NULL)
				path = xstrdup(req->model + 7);
			rc = store_cache_root_remove(c->md->store, path);
			if (rc != 0) {
				*causep = xasprintf("%s is not a registered "
				    "folder", path);
				free(path);
				return rc;
			}
			free(path);
			target = xstrdup(req->model);
			free(req->model);
			req->model = NULL;
			req->kind = CACHE_TASK_SYNC;
			break;
		}
		if ((rc = cache_check_remove(c, req, causep, &kind,
		    &path)) != 0)
			return rc;
		rc = path != NULL ? cache_check_local(c, req, kind, path,
		    causep) : 0;
		free(path);
		path = NULL;
		if (rc != 0)
			return rc;
		target = xstrdup(req->model);
		if (req->unregistered != NULL) {
			free(req->model);
			req->model = NULL;
			req->kind = CACHE_TASK_SYNC;
		}
		break;
	case CACHE_TASK_CLEAN:
		if ((req->clean & CACHE_CLEAN_UNUSED) != 0) {
			struct store_cache_app	*apps = NULL;
			size_t			 napps = 0;

			struct stat		 asb;
			size_t			 i;

			if ((rc = store_cache_apps_list(c->md->store, &apps,
			    &napps)) != 0) {
				*causep = xstrdup("cannot read linked apps");
				return rc;
			}
			/* An app whose folder is gone (an unmounted disk)
			 * would make every model it uses look unused. */
			for (i = 0; i < napps; i++)
				if (stat(apps[i].path, &asb) != 0 ||
				    !S_ISDIR(asb.st_mode))
					break;
			if (i < napps) {
				*causep = xasprintf("the folder of linked app "
				    "'%s' (%s) cannot be read, so the models it "
				    "uses would count as unused; mount it or "
				    "unlink the app first", apps[i].name,
				    apps[i].path);
				store_cache_apps_free(apps, napps);
				return -EINVAL;
			}
			store_cache_apps_free(apps, napps);
			if (napps == 0) {
				*causep = xstrdup("no app is linked, so every "
				    "model would count as unused; link the "
				    "apps you use first (POST /v1/cache/apps)");
				return -EINVAL;
			}
		}
		break;
	default:
		break;
	}
	t = cache_task_new(c, req);
	cache_enqueue(c, t, target);
	free(target);
	*jobp = xstrdup(job_id(t->job));
	return 0;
}

/* GET /v1/cache. */
int
cache_list_json(struct cache *c, json_t **outp)
{
	json_t	*o;
	int	 rc;

	if ((rc = store_cache_models_json(c->md->store, &o)) != 0)
		return rc;
	json_object_set_new(o, "last_scan_at", cache_time_json(
	    c->last_scan_at));
	json_object_set_new(o, "scanning", json_boolean(c->running != NULL));
	*outp = o;
	return 0;
}

/* GET /v1/cache/stats. */
int
cache_stats_json(struct cache *c, json_t **outp)
{
	struct dedup_stats	s;
	int			rc;

	if ((rc = store_cache_stats(c->md->store, &s)) != 0)
		return rc;
	*outp = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:{s:I, s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:o}",
	    "files", (json_int_t)s.files,
	    "inodes", (json_int_t)s.inodes,
	    "logical_bytes", (json_int_t)s.logical,
	    "unique_bytes", (json_int_t)s.unique,
	    "physical_bytes", (json_int_t)s.physical,
	    "clone_shared_bytes", (json_int_t)s.clone_shared,
	    "physical_est_bytes", (json_int_t)s.physical_est,
	    "saved_bytes", (json_int_t)(s.logical > s.physical_est ?
	    s.logical - s.physical_est : 0),
	    "reclaimed_bytes", (json_int_t)s.reclaimed,
	    "reclaimed_by_method",
	    "clone", (json_int_t)s.reclaimed_by[DEDUP_CLONE],
	    "hardlink", (json_int_t)s.reclaimed_by[DEDUP_HARDLINK],
	    "symlink", (json_int_t)s.reclaimed_by[DEDUP_SYMLINK],
	    "ops_done", (json_int_t)s.ops_done,
	    "ops_rolled_back", (json_int_t)s.ops_rolled_back,
	    "ops_pending", (json_int_t)s.ops_pending,
	    "cleanup_bytes", (json_int_t)s.cleanup_bytes,
	    "cleanup_candidates", (json_int_t)s.ncleanup,
	    "reclaimable_bytes", c->last_wasted >= 0 ?
	    json_integer(c->last_wasted) : json_null(),
	    "last_scan_at", cache_time_json(c->last_scan_at),
	    "last_dedup_at", cache_time_json(c->last_dedup_at));
	return 0;
}

/* GET /v1/cache/config. */
json_t *
cache_config_json(struct cache *c)
{
	const struct mlxd_config	*cfg = c->md->cfg;
	json_t				*methods, *roots, *added, *o;
	char				*dir = cache_dir_of(c->md), **v = NULL;
	size_t				 n = 0, k;
	int				 i;

	methods = json_array();
	for (i = 0; i < cfg->cache_dedup_methods.n; i++)
		json_array_append_new(methods,
		    json_string(cfg->cache_dedup_methods.v[i]));
	roots = json_array();
	for (i = 0; i < cfg->cache_roots.n; i++)
		json_array_append_new(roots, json_string(cfg->cache_roots.v[i]));
	added = json_array();
	if (store_cache_roots_list(c->md->store, &v, &n) == 0) {
		for (k = 0; k < n; k++)
			json_array_append_new(added, json_string(v[k]));
		store_cache_strings_free(v, n);
	}
	o = json_pack("{s:o, s:I, s:o, s:o, s:b, s:s, s:s}",
	    "dedup_methods", methods,
	    "min_size_bytes", (json_int_t)cfg->cache_min_size_bytes,
	    "roots", roots,
	    "added_roots", added,
	    "scan_on_start", cfg->cache_scan_on_start,
	    "dir", dir,
	    "data_dir", c->md->data_dir);
	free(dir);
	return o;
}

/* GET /v1/cache/apps. */
int
cache_apps_json(struct cache *c, json_t **outp)
{
	return store_cache_apps_json(c->md->store, outp);
}

/* 1 if name can name a linked app (cache.h). */
int
cache_app_name_ok(const char *name)
{
	const unsigned char	*s = (const unsigned char *)name;
	size_t			 n, k, i;
	uint32_t		 cp;

	if (name == NULL || (n = strlen(name)) == 0 || n > 128 ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return 0;
	for (i = 0; i < n; i += k) {
		if (s[i] < 0x80) {
			if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '/')
				return 0;
			k = 1;
			continue;
		}
		if ((s[i] & 0xe0) == 0xc0) {
			k = 2;
			cp = s[i] & 0x1f;
		} else if ((s[i] & 0xf0) == 0xe0) {
			k = 3;
			cp = s[i] & 0x0f;
		} else if ((s[i] & 0xf8) == 0xf0) {
			k = 4;
			cp = s[i] & 0x07;
		} else
			return 0;
		if (i + k > n)
			return 0;
		for (size_t j = 1; j < k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return 0;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		/* Overlong forms, surrogates, beyond Unicode, C1 controls. */
		if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) ||
		    (k == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 &&
		    cp < 0xa0))
			return 0;
	}
	return 1;
}

static int
cache_rescan(struct cache *c, const char *target, char **jobp)
{
	struct cache_request	req;
	struct cache_task	*t;

	memset(&req, 0, sizeof(req));
	req.kind = CACHE_TASK_SYNC;
	t = cache_task_new(c, &req);
	cache_enqueue(c, t, target);
	*jobp = xstrdup(job_id(t->job));
	return 0;
}

/* Link an app folder and rescan. */
int
cache_app_link(struct cache *c, const char *path, const char *name,
    json_t **appp, char **jobp, char **causep)
{
	struct stat	 sb;
	const char	*base;
	char		*nm = NULL, *p;
	size_t		 len;
	int		 rc;

	if (c->stopping || c->broken != NULL) {
		*causep = xstrdup(c->stopping ? "mlxd is stopping" : c->broken);
		return c->stopping ? -ECANCELED : -EIO;
	}
	if (path == NULL || path[0] != '/') {
		*causep = xstrdup("path must be an absolute path");
		return -EINVAL;
	}
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
		*causep = xasprintf("%s is not a folder", path);
		return -ENOENT;
	}
	p = xstrdup(path);
	while ((len = strlen(p)) > 1 && p[len - 1] == '/')
		p[len - 1] = '\0';
	if (name == NULL) {
		base = strrchr(p, '/');
		name = nm = xstrdup(base != NULL && base[1] != '\0' ? base + 1 :
		    "root");
	}
	if (!cache_app_name_ok(name)) {
		*causep = xasprintf("'%s' is not a usable app name (1 to 128 "
		    "bytes of printable UTF-8, no '/', not '.' or '..')",
		    name);
		rc = -EINVAL;
		goto out;
	}
	if ((rc = store_cache_app_add(c->md->store, name, p)) != 0) {
		*causep = rc == -EEXIST ? xasprintf("an app named '%s' is "
		    "already linked", name) : xasprintf("cannot link: %s",
		    strerror(-rc));
		goto out;
	}
	log_info("cache: linked app %s at %s", name, p);
	*appp = json_pack("{s:s, s:s}", "name", name, "path", p);
	rc = cache_rescan(c, name, jobp);
out:
	free(nm);
	free(p);
	return rc;
}

/* Unlink an app and rescan. */
int
cache_app_unlink(struct cache *c, const char *name, char **jobp)
{
	int	rc;

	if (c->stopping)
		return -ECANCELED;
	if ((rc = store_cache_app_remove(c->md->store, name)) != 0)
		return rc;
	/* Its usage rows went with it: the next scan rewrites them all. */
	c->index_sig.valid = 0;
	c->index_gen++;
	log_info("cache: unlinked app %s", name);
	return cache_rescan(c, name, jobp);
}

/* Recover, publish, and queue the start-up scan. */
int
cache_start(struct mlxd *md, struct cache **cp)
{
	struct cache	*c;
	char		*cause = NULL;
	int		 rc;

	c = xcalloc(1, sizeof(*c));
	c->md = md;
	c->refs = 1;
	c->last_wasted = -1;
	uv_timer_init(md->loop, &c->timer);
	c->timer.data = c;
	if ((rc = store_open(md->store->path, &c->wst, &cause)) != 0) {
		log_warnx("cache: %s", cause);
		c->broken = xasprintf("the cache database cannot be opened: "
		    "%s", cause);
		free(cause);
	} else if ((rc = dedup_recover(c->wst)) != 0) {
		/* Never work on top of a journal we could not replay. */
		log_warnx("cache: journal recovery failed: %s", strerror(-rc));
		c->broken = xasprintf("recovering interrupted dedup "
		    "operations failed (%s); the cache is disabled until "
		    "mlxd restarts", strerror(-rc));
	}
	if (c->broken == NULL) {
		c->last_scan_at = cache_meta_int(md->store, CACHE_META_SCAN, 0);
		c->last_dedup_at = cache_meta_int(md->store, CACHE_META_DEDUP,
		    0);
		c->last_wasted = cache_meta_int(md->store, CACHE_META_WASTED,
		    -1);
	}
	*cp = c;
	cache_publish(c);
	if (c->broken == NULL && md->cfg->cache_scan_on_start) {
		char *job = NULL;

		(void)cache_rescan(c, "start", &job);
		free(job);
	}
	return 0;
}

/* Stop: end every job now, free when the running work returns. */
void
cache_stop(struct cache *c)
{
	struct cache_task	*t;

	if (c == NULL)
		return;
	c->stopping = 1;
	while ((t = c->queue) != NULL) {
		c->queue = t->next;
		job_finish(t->job, JOB_CANCELLED, NULL, "mlxd stopped");
		cache_task_free(t);
	}
	if ((t = c->running) != NULL) {
		t->cancel = 1;
		if (t->job != NULL)
			job_finish(t->job, JOB_CANCELLED, NULL,
			    "mlxd stopped");
		t->job = NULL;
		if (t->hf != NULL) {
			/* Downloading: no work in flight, free it now. */
			hf_download_cancel(t->hf);
			c->running = NULL;
			cache_task_free(t);
		}
	}
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->timer, cache_timer_closed);
}
