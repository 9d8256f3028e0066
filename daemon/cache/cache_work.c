/* SPDX-License-Identifier: ISC */
/*
 * cache_work.c: the cache tasks' bodies, run on a uv threadpool thread with
 * the service's own database connection (cache_int.h says who owns what).
 *
 * A scan walks every root — the stores found where their tools put them,
 * cache.roots, folders added with file://, and cache.dir — saves the index
 * together with which linked app uses which model, and hands the fresh
 * index to the task that asked. Dedup finds groups of identical files with
 * the engine (dedup.c) and, unless it is a dry run, replaces duplicates and
 * rescans. Results are JSON built here and handed to the loop with the task.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cache_int.h"
#include "dedup.h"
#include "log.h"
#include "modelstore.h"
#include "store.h"
#include "store_cache.h"
#include "where.h"
#include "xmalloc.h"

#define CW_USAGE_DEPTH		8
#define CW_USAGE_ENTRIES	200000

/* Engine progress: copy it for the loop's timer. */
void
cache_work_progress(void *arg, const struct dedup_progress *p)
{
	struct cache_task	*t = arg;

	pthread_mutex_lock(&t->mtx);
	t->prog = *p;
	t->prog.path = NULL;
	snprintf(t->path, sizeof(t->path), "%s", p->path != NULL ? p->path :
	    "");
	t->have_prog = 1;
	pthread_mutex_unlock(&t->mtx);
}

/* Begin a step of the task. */
void
cache_work_step(struct cache_task *t, const char *step, uint64_t files_total,
    uint64_t bytes_total)
{
	pthread_mutex_lock(&t->mtx);
	snprintf(t->step, sizeof(t->step), "%s", step);
	memset(&t->prog, 0, sizeof(t->prog));
	t->prog.phase = DEDUP_PHASE_SCAN;
	t->prog.files_total = files_total;
	t->prog.bytes_total = bytes_total;
	t->prog.eta_s = -1;
	t->path[0] = '\0';
	t->have_prog = 1;
	pthread_mutex_unlock(&t->mtx);
}

/* One file of a step of our own is done. */
void
cache_work_tick(struct cache_task *t, const char *path, uint64_t bytes)
{
	pthread_mutex_lock(&t->mtx);
	t->prog.files_done++;
	t->prog.bytes_done += bytes;
	snprintf(t->path, sizeof(t->path), "%s", path != NULL ? path : "");
	pthread_mutex_unlock(&t->mtx);
}

static void
cw_fail(struct cache_task *t, int rc, const char *fmt, const char *what)
{
	free(t->error);
	t->error = xasprintf(fmt, what, strerror(-rc));
	t->rc = rc;
}

/*
 * A local folder is scanned only if it passes the file:// checks (where.c):
 * one registered by an older version, or listed in cache.roots, that is /,
 * $HOME or above it, a system folder, or mlxd's data dir, inside it or
 * above it, is skipped, not indexed.
 */
static void
cw_local_root(struct cache_task *t, struct modelstore_roots *roots,
    const char *path, const char *what)
{
	char	*canon = NULL, *cause = NULL;
	int	 rc;

	rc = where_user_folder(path, &canon, &cause);
	if (rc == 0 && where_overlaps(canon, t->data_dir)) {
		cause = xasprintf("%s holds mlxd's own data (%s); list the "
		    "folder that holds the weights", canon, t->data_dir);
		rc = -EPERM;
	}
	if (rc == -EPERM || rc == -EINVAL)
		log_warnx("cache: %s %s is not indexed: %s", what, path,
		    cause);
	else
		modelstore_roots_add(roots, MODELSTORE_LOCAL, path);
	free(canon);
	free(cause);
}

/* Everything to scan, in the order that decides each file's store. */
static int
cw_roots(struct cache_task *t, struct modelstore_roots *roots)
{
	struct stat	 sb;
	char		**added = NULL;
	size_t		 nadded = 0, i;
	int		 rc;

	modelstore_roots_init(roots);
	(void)modelstore_roots_detect(roots);
	for (i = 0; i < t->nroots; i++)
		cw_local_root(t, roots, t->roots[i], "cache.roots");
	if ((rc = store_cache_roots_list(t->st, &added, &nadded)) != 0)
		return rc;
	for (i = 0; i < nadded; i++)
		cw_local_root(t, roots, added[i], "an added folder");
	store_cache_strings_free(added, nadded);
	if (stat(t->cache_dir, &sb) == 0 && S_ISDIR(sb.st_mode))
		modelstore_roots_add(roots, MODELSTORE_LOCAL, t->cache_dir);
	return 0;
}

/* Scan and save the index with the linked apps' usage. */
int
cache_work_scan(struct cache_task *t, struct modelstore_index **idxp)
{
	struct modelstore_roots		 roots;
	struct modelstore_index		*idx = NULL;
	struct store_cache_app		*apps = NULL;
	struct store_cache_usage	*usage = NULL;
	size_t				 napps = 0, nusage = 0, i;
	int				 rc, rewrote = 0;

	cache_work_step(t, "scan", 0, 0);
	if ((rc = cw_roots(t, &roots)) != 0) {
		cw_fail(t, rc, "cannot read the %s: %s", "registered folders");
		modelstore_roots_free(&roots);
		return rc;
	}
	if (roots.n == 0) {
		/* Nothing exists yet: an empty index. */
		idx = xcalloc(1, sizeof(*idx));
	} else if ((rc = modelstore_scan(&roots, cache_work_progress, t,
	    &t->cancel, &idx)) != 0) {
		modelstore_roots_free(&roots);
		if (rc != -ECANCELED)
			cw_fail(t, rc, "%s failed: %s", "scan");
		t->rc = rc;
		return rc;
	}
	modelstore_roots_free(&roots);
	if ((rc = store_cache_apps_list(t->st, &apps, &napps)) == 0) {
		cache_work_usage(idx, apps, napps, &usage, &nusage);
		/* Unchanged since the last save (a dedup's rescan right
		 * after the start-up scan): the tables stay as they are. */
		rc = store_cache_save_scan_sig(t->st, idx, usage, nusage,
		    &t->index_sig, &rewrote);
		t->index_sig_set = 1;
		if (rc == 0 && !rewrote)
			log_debug("cache: index unchanged since the last scan");
	}
	free(t->used);
	t->used = xcalloc(idx->nmodels + 1, 1);
	for (i = 0; i < nusage; i++)
		t->used[usage[i].model] = 1;
	cache_usage_free(usage, nusage);
	store_cache_apps_free(apps, napps);
	if (rc != 0) {
		cw_fail(t, rc, "cannot save the %s: %s", "index");
		modelstore_index_free(idx);
		return rc;
	}
	t->index_changed = 1;
	*idxp = idx;
	return 0;
}

/* ---- linked apps' usage ---- */

struct cw_inode {
	uint64_t	 dev, ino;
	size_t		 file;
};

struct cw_usage {
	const struct modelstore_index	*idx;
	size_t				*fm_off;	/* file -> models */
	size_t				*fm;
	struct cw_inode			*inodes;	/* sorted */
	size_t				 ninodes;
	unsigned char			*seen;		/* per model, this app */
	int64_t				 app_id;
	struct store_cache_usage	*v;
	size_t				 n;
	size_t				 entries;
};

static int
cw_inode_cmp(const void *a, const void *b)
{
	const struct cw_inode	*x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static void
cw_use(struct cw_usage *u, size_t mi, const char *via)
{
	if (u->seen[mi])
		return;
	u->seen[mi] = 1;
	u->v = xreallocarray(u->v, u->n + 1, sizeof(*u->v));
	u->v[u->n].app_id = u->app_id;
	u->v[u->n].model = mi;
	u->v[u->n].via = xstrdup(via);
	u->n++;
}

static void
cw_use_file(struct cw_usage *u, size_t fi, const char *via)
{
	size_t	k;

	for (k = u->fm_off[fi]; k < u->fm_off[fi + 1]; k++)
		cw_use(u, u->fm[k], via);
}

/* 1 if a is b or lies below it. */
static int
cw_under(const char *a, const char *b)
{
	size_t	n = strlen(b);

	return strncmp(a, b, n) == 0 && (a[n] == '\0' || a[n] == '/' ||
	    (n > 0 && b[n - 1] == '/'));
}

/* A folder reached from an app: models inside it, or the one it is in. */
static void
cw_use_dir(struct cw_usage *u, const char *real, const char *via)
{
	const struct modelstore_index	*idx = u->idx;
	size_t				 mi;

	for (mi = 0; mi < idx->nmodels; mi++)
		if (cw_under(idx->models[mi].path, real) ||
		    cw_under(real, idx->models[mi].path))
			cw_use(u, mi, via);
}

static void
cw_walk(struct cw_usage *u, const char *dir, int depth)
{
	struct cw_inode	 key, *hit;
	struct stat	 lsb, sb;
	struct dirent	*de;
	DIR		*d;
	char		*path, *real;
	long		 fi;

	if (depth > CW_USAGE_DEPTH || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL && u->entries < CW_USAGE_ENTRIES) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		u->entries++;
		path = xasprintf("%s/%s", dir, de->d_name);
		if (lstat(path, &lsb) != 0) {
			free(path);
			continue;
		}
		if (S_ISDIR(lsb.st_mode)) {
			cw_walk(u, path, depth + 1);
		} else if (S_ISLNK(lsb.st_mode)) {
			/* Symlinks are resolved, never walked into. */
			if (stat(path, &sb) == 0 &&
			    (real = realpath(path, NULL)) != NULL) {
				if (S_ISDIR(sb.st_mode))
					cw_use_dir(u, real, path);
				else if ((fi = modelstore_index_find(u->idx,
				    real)) >= 0)
					cw_use_file(u, (size_t)fi, path);
				free(real);
			}
		} else if (S_ISREG(lsb.st_mode)) {
			key.dev = (uint64_t)lsb.st_dev;
			key.ino = (uint64_t)lsb.st_ino;
			hit = u->ninodes > 0 ? bsearch(&key, u->inodes,
			    u->ninodes, sizeof(key), cw_inode_cmp) : NULL;
			/* The same file, or another name of its inode. */
			if (hit != NULL)
				cw_use_file(u, hit->file, path);
		}
		free(path);
	}
	closedir(d);
}

/* Which linked app uses which model of idx. */
void
cache_work_usage(const struct modelstore_index *idx,
    const struct store_cache_app *apps, size_t napps,
    struct store_cache_usage **usagep, size_t *np)
{
	struct cw_usage	 u;
	size_t		*fill, i, k, fi;
	char		*real;

	memset(&u, 0, sizeof(u));
	*usagep = NULL;
	*np = 0;
	if (napps == 0 || idx->nmodels == 0)
		return;
	u.idx = idx;
	u.fm_off = xcalloc(idx->nfiles + 2, sizeof(*u.fm_off));
	for (i = 0; i < idx->nmodels; i++)
		for (k = 0; k < idx->models[i].nfiles; k++)
			u.fm_off[idx->models[i].files[k].file + 1]++;
	for (fi = 0; fi < idx->nfiles; fi++)
		u.fm_off[fi + 1] += u.fm_off[fi];
	u.fm = xcalloc(u.fm_off[idx->nfiles] + 1, sizeof(*u.fm));
	fill = xcalloc(idx->nfiles + 1, sizeof(*fill));
	for (i = 0; i < idx->nmodels; i++)
		for (k = 0; k < idx->models[i].nfiles; k++) {
			fi = idx->models[i].files[k].file;
			u.fm[u.fm_off[fi] + fill[fi]++] = i;
		}
	free(fill);
	u.inodes = xcalloc(idx->nfiles + 1, sizeof(*u.inodes));
	for (fi = 0; fi < idx->nfiles; fi++) {
		u.inodes[u.ninodes].dev = idx->files[fi].dev;
		u.inodes[u.ninodes].ino = idx->files[fi].ino;
		u.inodes[u.ninodes++].file = fi;
	}
	qsort(u.inodes, u.ninodes, sizeof(*u.inodes), cw_inode_cmp);
	u.seen = xcalloc(idx->nmodels + 1, 1);

	for (i = 0; i < napps; i++) {
		memset(u.seen, 0, idx->nmodels);
		u.app_id = apps[i].id;
		u.entries = 0;
		if ((real = realpath(apps[i].path, NULL)) == NULL)
			continue;
		cw_use_dir(&u, real, apps[i].path);
		cw_walk(&u, real, 0);
		free(real);
	}
	free(u.fm_off);
	free(u.fm);
	free(u.inodes);
	free(u.seen);
	*usagep = u.v;
	*np = u.n;
}

/* Free what cache_work_usage returned. */
void
cache_usage_free(struct store_cache_usage *usage, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(usage[i].via);
	free(usage);
}

/* ---- model names ---- */

/* 1 if spec names the model (see cache_int.h). */
int
cache_model_match(const char *spec, enum modelstore_kind kind,
    const char *name, const char *revision, const char *refs)
{
	enum modelstore_kind	 k;
	const char		*colon, *at, *p;
	char			*nm, *rev = NULL, *disp;
	char			 host[351], ns[81], model[81], tag[81];
	size_t			 n;
	int			 ok = 0;

	colon = strchr(spec, ':');
	if (colon != NULL) {
		nm = xstrndup(spec, (size_t)(colon - spec));
		if (modelstore_kind_parse(nm, &k) == 0) {
			free(nm);
			if (k != kind)
				return 0;
			spec = colon + 1;
		} else
			free(nm);
	}
	nm = xstrdup(spec);
	/* "@rev" (HF commit or ref) after the last '/'. */
	if ((at = strrchr(nm, '@')) != NULL && strchr(at, '/') == NULL) {
		rev = xstrdup(at + 1);
		nm[at - nm] = '\0';
	}
	if (strcmp(nm, name) == 0)
		ok = 1;
	else if (kind == MODELSTORE_OLLAMA && cache_ollama_parse(nm, host, ns,
	    model, tag) == 0) {
		disp = modelstore_ollama_name(host, ns, model, tag);
		ok = strcasecmp(disp, name) == 0;
		free(disp);
	}
	if (ok && rev != NULL) {
		/* A commit, or a prefix of one of at least 7 digits. */
		n = strlen(rev);
		ok = strcmp(rev, revision) == 0 || (n >= 7 &&
		    strncmp(rev, revision, n) == 0);
		/* A ref name ("main") the revision carries. */
		for (p = refs; !ok && p != NULL && *p != '\0';) {
			n = strcspn(p, ",");
			ok = strlen(rev) == n && strncmp(p, rev, n) == 0;
			p += n;
			if (*p == ',')
				p++;
		}
	}
	free(rev);
	free(nm);
	return ok;
}

/* ---- results ---- */

static json_t *
cw_scan_json(const struct modelstore_index *idx)
{
	json_t		*stores, *warnings;
	uint64_t	 bytes = 0, cbytes = 0;
	size_t		 i;

	stores = json_array();
	for (i = 0; i < idx->nstores; i++)
		json_array_append_new(stores, json_pack("{s:s, s:s, s:b}",
		    "kind", modelstore_kind_name(idx->stores[i].kind),
		    "path", idx->stores[i].path,
		    "present", idx->stores[i].present));
	warnings = json_array();
	for (i = 0; i < idx->nwarnings && i < CACHE_RESULT_MAX; i++)
		json_array_append_new(warnings, json_pack("{s:s, s:s}",
		    "path", idx->warnings[i].path,
		    "message", idx->warnings[i].message));
	for (i = 0; i < idx->nfiles; i++)
		bytes += idx->files[i].size;
	for (i = 0; i < idx->ncleanup; i++)
		cbytes += idx->cleanup[i].size;
	return json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:o, s:I, s:I}",
	    "stores", stores,
	    "models", (json_int_t)idx->nmodels,
	    "files", (json_int_t)idx->nfiles,
	    "logical_bytes", (json_int_t)bytes,
	    "cleanup_candidates", (json_int_t)idx->ncleanup,
	    "cleanup_bytes", (json_int_t)cbytes,
	    "warnings", warnings,
	    "warnings_total", (json_int_t)idx->nwarnings,
	    "vanished", (json_int_t)idx->vanished);
}

static json_t *
cw_report_json(const struct dedup_report *rep)
{
	const struct dedup_group	*g;
	const struct dedup_member	*m;
	json_t				*groups, *members, *warnings;
	size_t				 i, k;

	groups = json_array();
	for (i = 0; i < rep->ngroups && i < CACHE_RESULT_MAX; i++) {
		g = &rep->groups[i];
		members = json_array();
		for (k = 0; k < g->nmembers; k++) {
			m = &g->members[k];
			json_array_append_new(members, json_pack("{s:s, s:s, "
			    "s:s, s:I, s:b}",
			    "path", m->path,
			    "role", modelstore_role_name(m->role),
			    "digest", modelstore_digest_name(m->digest),
			    "share", (json_int_t)m->share,
			    "keep", k == 0));
		}
		json_array_append_new(groups, json_pack("{s:s, s:I, s:I, s:I, "
		    "s:I, s:o}",
		    "sha256", g->sha256,
		    "size_bytes", (json_int_t)g->size,
		    "copies", (json_int_t)g->nshares,
		    "names", (json_int_t)g->nmembers,
		    "wasted_bytes", (json_int_t)g->wasted,
		    "members", members));
	}
	warnings = json_array();
	for (i = 0; i < rep->nwarnings && i < CACHE_RESULT_MAX; i++)
		json_array_append_new(warnings, json_string(rep->warnings[i]));
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:f, s:I, s:o, s:I, "
	    "s:o, s:I, s:I, s:{s:f, s:f, s:f, s:f, s:f, s:I}}",
	    "files_considered", (json_int_t)rep->files_considered,
	    "files_sampled", (json_int_t)rep->files_sampled,
	    "files_hashed", (json_int_t)rep->files_hashed,
	    "bytes_hashed", (json_int_t)rep->bytes_hashed,
	    "bytes_read", (json_int_t)rep->bytes_read,
	    "hash_rate_bytes_per_s", rep->hash_rate,
	    "groups_total", (json_int_t)rep->ngroups,
	    "groups", groups,
	    "wasted_bytes", (json_int_t)rep->wasted,
	    "warnings", warnings,
	    "files_compared", (json_int_t)rep->files_compared,
	    "bytes_compared", (json_int_t)rep->bytes_compared,
	    "search", "stat_ms", rep->stat_s * 1e3,
	    "sample_ms", rep->sample_s * 1e3,
	    "compare_ms", rep->compare_s * 1e3,
	    "hash_ms", rep->hash_s * 1e3,
	    "plan_ms", rep->plan_s * 1e3,
	    "threads", (json_int_t)rep->threads);
}

/* Add the apply outcome to the report's JSON. */
static void
cw_result_json(json_t *o, const struct dedup_result *r, int dry_run)
{
	const struct dedup_action	*a;
	json_t				*actions;
	char				*first = NULL;
	size_t				 i;

	actions = json_array();
	for (i = 0; i < r->nactions; i++) {
		a = &r->actions[i];
		if (i < CACHE_RESULT_MAX)
			json_array_append_new(actions, json_pack("{s:s, s:s, "
			    "s:s, s:s, s:s, s:I, s:o}",
			    "target", a->target,
			    "keeper", a->keeper,
			    "outcome", dedup_outcome_name(a->outcome),
			    "method", dedup_method_name(a->method),
			    "reason", a->reason,
			    "bytes", (json_int_t)a->bytes,
			    "error", a->err != 0 ?
			    json_string(strerror(-a->err)) : json_null()));
		if (a->outcome == DEDUP_OUTCOME_UNSUPPORTED && first == NULL)
			first = a->reason;
	}
	json_object_set_new(o, "actions", actions);
	json_object_set_new(o, "actions_total", json_integer((json_int_t)
	    r->nactions));
	json_object_set_new(o, "done", json_integer((json_int_t)r->ndone));
	json_object_set_new(o, "skipped", json_integer((json_int_t)
	    r->nskipped));
	json_object_set_new(o, "unsupported", json_integer((json_int_t)
	    r->nunsupported));
	json_object_set_new(o, "failed", json_integer((json_int_t)r->nfailed));
	json_object_set_new(o, "reclaimable_bytes", json_integer((json_int_t)
	    r->reclaimable));
	json_object_set_new(o, "reclaimed_bytes", json_integer((json_int_t)
	    r->reclaimed));
	/* Say plainly when the filesystem let nothing happen. */
	json_object_set_new(o, "unsupported_message", !dry_run &&
	    r->ndone == 0 && r->nunsupported > 0 && first != NULL ?
	    json_sprintf("nothing was changed: %s", first) : json_null());
}

static int
cw_dedup(struct cache_task *t)
{
	struct modelstore_index	*idx = NULL;
	struct dedup_options	 opts;
	struct dedup_report	*rep = NULL;
	struct dedup_result	*res = NULL;
	json_t			*methods;
	size_t			 i;
	int			 rc;

	if (t->req.rescan) {
		if ((rc = cache_work_scan(t, &idx)) != 0)
			return rc;
		modelstore_index_free(idx);
		idx = NULL;
	}
	dedup_options_init(&opts);
	opts.min_size = t->min_size;
	opts.dry_run = t->req.dry_run;
	opts.link_user_files = t->req.link_user_files;
	if (t->req.nmethods > 0) {
		memcpy(opts.methods, t->req.methods, sizeof(opts.methods));
		opts.nmethods = t->req.nmethods;
	} else {
		memcpy(opts.methods, t->methods, sizeof(opts.methods));
		opts.nmethods = t->nmethods;
	}
	cache_work_step(t, "find", 0, 0);
	if ((rc = dedup_find(t->st, &opts, cache_work_progress, t, &t->cancel,
	    &rep)) != 0) {
		if (rc != -ECANCELED)
			cw_fail(t, rc, "%s failed: %s", "duplicate search");
		t->rc = rc;
		return rc;
	}
	t->result = cw_report_json(rep);
	methods = json_array();
	for (i = 0; i < opts.nmethods; i++)
		json_array_append_new(methods, json_string(
		    dedup_method_name(opts.methods[i])));
	json_object_set_new(t->result, "methods", methods);
	json_object_set_new(t->result, "dry_run", json_boolean(opts.dry_run));
	cache_work_step(t, opts.dry_run ? "plan" : "apply", 0, 0);
	rc = dedup_apply(t->st, rep, &opts, cache_work_progress, t, &t->cancel,
	    &res);
	if (res != NULL) {
		cw_result_json(t->result, res, opts.dry_run);
		t->wasted = (int64_t)(rep->wasted > res->reclaimed ?
		    rep->wasted - res->reclaimed : 0);
	}
	if (rc != 0 && rc != -ECANCELED)
		cw_fail(t, rc, "%s failed: %s", "dedup");
	t->rc = rc;
	/* New inodes and links: the index must say so. */
	if (rc == 0 && res != NULL && res->ndone > 0 &&
	    (rc = cache_work_scan(t, &idx)) == 0)
		modelstore_index_free(idx);
	dedup_result_free(res);
	dedup_report_free(rep);
	return rc;
}

/* Run the task (threadpool thread). */
void
cache_work_run(struct cache_task *t)
{
	struct modelstore_index	*idx = NULL;
	struct timespec		 a, b;

	clock_gettime(CLOCK_MONOTONIC, &a);
	t->rc = 0;
	switch (t->req.kind) {
	case CACHE_TASK_SYNC:
		if (cache_work_scan(t, &idx) == 0) {
			t->result = cw_scan_json(idx);
			if (t->req.unregistered != NULL)
				json_object_set_new(t->result,
				    "unregistered", json_string(
				    t->req.unregistered));
			modelstore_index_free(idx);
		}
		break;
	case CACHE_TASK_DEDUP:
		(void)cw_dedup(t);
		break;
	case CACHE_TASK_CLEAN:
		(void)cache_delete_clean(t);
		break;
	case CACHE_TASK_REMOVE:
		(void)cache_delete_remove(t);
		break;
	case CACHE_TASK_ADD:
		(void)cache_add_run(t);
		break;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	if (t->result == NULL)
		t->result = json_object();
	json_object_set_new(t->result, "duration_ms", json_real(
	    (double)(b.tv_sec - a.tv_sec) * 1e3 +
	    (double)(b.tv_nsec - a.tv_nsec) / 1e6));
}
