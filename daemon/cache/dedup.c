/* SPDX-License-Identifier: ISC */
/*
 * dedup.c: finding groups of byte-identical model files, plus the engine's
 * names, defaults and stats.
 *
 * Grouping reads as little as possible: files are grouped by size; inside a
 * size group, files whose digest is known (Ollama and HF blob names, hashes
 * learned on an earlier run) are grouped by digest without any read; when a
 * group also holds files of unknown digest, every member is sampled (head and
 * tail), and only unknown files that still collide with something are read
 * in full: an unknown file whose only collision is one file of known digest
 * is compared with it byte for byte (stopping at the first differing block)
 * and takes its digest when identical; the others are hashed. A
 * known-digest file is never hashed. Samples, compares and hashes run on a
 * bounded pool of workers (one per core, at most 8), largest files first.
 * Names of one inode, and clones this engine made that are still in place,
 * count as one copy. Runs on the uv threadpool; reading and hashing live in
 * dedup_io.c.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup.h"
#include "dedup_int.h"
#include "log.h"
#include "modelstore.h"
#include "osdep.h"
#include "store.h"
#include "store_cache.h"
#include "xmalloc.h"

#define DEDUP_MIN_SIZE		(1024 * 1024)
#define DEDUP_SAMPLE_SIZE	(64 * 1024)
#define DEDUP_MAX_THREADS	8

static const char *const method_names[] = { "clone", "hardlink", "symlink" };
static const char *const outcome_names[] = {
	"planned", "done", "skipped", "unsupported", "differs", "failed",
};
static const char *const op_kind_names[] = {
	"clone", "dedupe", "hardlink", "symlink",
};
static const char *const op_state_names[] = {
	"planned", "temp_created", "renamed", "done", "rolled_back",
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ---- names ---- */

static int
name_parse(const char *const *names, size_t n, const char *s, int *vp)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		if (strcmp(s, names[i]) == 0) {
			*vp = (int)i;
			return 0;
		}
	}
	return -EINVAL;
}

/* "clone", "hardlink" or "symlink". */
const char *
dedup_method_name(enum dedup_method method)
{
	return (size_t)method < NELEM(method_names) ? method_names[method] :
	    "?";
}

/* Parse a method name. */
int
dedup_method_parse(const char *s, enum dedup_method *methodp)
{
	int	v, rc;

	if ((rc = name_parse(method_names, NELEM(method_names), s, &v)) == 0)
		*methodp = (enum dedup_method)v;
	return rc;
}

/* Text name of an action outcome. */
const char *
dedup_outcome_name(enum dedup_outcome outcome)
{
	return (size_t)outcome < NELEM(outcome_names) ?
	    outcome_names[outcome] : "?";
}

/* Text name of a journal operation kind. */
const char *
dedup_op_kind_name(enum dedup_op_kind kind)
{
	return (size_t)kind < NELEM(op_kind_names) ? op_kind_names[kind] : "?";
}

/* Parse a journal operation kind. */
int
dedup_op_kind_parse(const char *s, enum dedup_op_kind *kindp)
{
	int	v, rc;

	if ((rc = name_parse(op_kind_names, NELEM(op_kind_names), s, &v)) == 0)
		*kindp = (enum dedup_op_kind)v;
	return rc;
}

/* Text name of a journal state. */
const char *
dedup_op_state_name(enum dedup_op_state state)
{
	return (size_t)state < NELEM(op_state_names) ?
	    op_state_names[state] : "?";
}

/* Parse a journal state. */
int
dedup_op_state_parse(const char *s, enum dedup_op_state *statep)
{
	int	v, rc;

	if ((rc = name_parse(op_state_names, NELEM(op_state_names), s,
	    &v)) == 0)
		*statep = (enum dedup_op_state)v;
	return rc;
}

/* Defaults: 1 MiB minimum, 64 KiB samples, clone only, dry run. */
void
dedup_options_init(struct dedup_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->min_size = DEDUP_MIN_SIZE;
	opts->sample_size = DEDUP_SAMPLE_SIZE;
	opts->methods[0] = DEDUP_CLONE;
	opts->nmethods = 1;
	opts->dry_run = 1;
}



/* ---- grouping ---- */

/* One distinct inode among the loaded files (its names are contiguous). */
struct dinode {
	size_t			 first;		/* into files[] */
	size_t			 nfiles;
	uint64_t		 size;
	char			 sha[65];	/* "" unknown */
	enum modelstore_digest	 digest;
	unsigned char		 sample[32];
	size_t			 twin;		/* need_compare: the known */
	unsigned		 need_sample:1;
	unsigned		 need_hash:1;
	unsigned		 need_compare:1;
	unsigned		 hashed:1;	/* by this run: remember it */
	unsigned		 failed:1;
};

struct finder {
	struct store			*st;
	const struct dedup_options	*o;
	struct dedup_prog		 pr;
	struct store_cache_file		*files;
	size_t				 nfiles;
	struct dinode			*in;
	size_t				 nin;
	/* permutation of in[] */
	size_t				*order;
	/* done clone ops, by target */
	struct dedup_op			*clones;
	size_t				 nclones;
	struct dedup_report		*rep;
	pthread_mutex_t			 mtx;	/* pr, rep, counters */
	unsigned			 nthreads;
};

static void
report_warn(struct dedup_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
report_warn(struct dedup_report *rep, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	/* Workers warn under the finder's lock (finder_warn). */
	rep->warnings = xreallocarray(rep->warnings, rep->nwarnings + 1,
	    sizeof(*rep->warnings));
	rep->warnings[rep->nwarnings++] = xstrdup(buf);
	log_debug("dedup: %s", buf);
}

/* Open one of the inode's names, checking it is still that inode. */
static int
open_inode(struct finder *fd_, const struct dinode *d, const char **pathp)
{
	const struct store_cache_file	*f;
	struct stat			 sb;
	size_t				 i;
	int				 fd, rc = -ENOENT;

	for (i = 0; i < d->nfiles; i++) {
		f = &fd_->files[d->first + i];
		if ((fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) ==
		    -1) {
			rc = -errno;
			continue;
		}
		if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_dev != f->dev ||
		    (uint64_t)sb.st_ino != f->ino ||
		    (uint64_t)sb.st_size != f->size ||
		    osdep_stat_mtime_ns(&sb) != f->mtime_ns) {
			close(fd);
			rc = -ESTALE;
			continue;
		}
		*pathp = f->path;
		return fd;
	}
	*pathp = fd_->files[d->first].path;
	return rc;
}

static int
cmp_sample(const void *a, const void *b, void *ctx)
{
	const struct dinode	*in = ctx;

	return memcmp(in[*(const size_t *)a].sample,
	    in[*(const size_t *)b].sample, 32);
}

static int
cmp_sha(const void *a, const void *b, void *ctx)
{
	const struct dinode	*in = ctx;
	const struct dinode	*x = &in[*(const size_t *)a];
	const struct dinode	*y = &in[*(const size_t *)b];
	int			 c;

	if ((c = strcmp(x->sha, y->sha)) != 0)
		return c;
	return x->first < y->first ? -1 : x->first > y->first;
}

/* Portable insertion-merge sort with a context (qsort_r differs by OS). */
static void
sort_ctx(size_t *v, size_t n, int (*cmp)(const void *, const void *, void *),
    void *ctx)
{
	size_t	*tmp, w, i, lo, mid, hi, a, b, k;

	if (n < 2)
		return;
	tmp = xreallocarray(NULL, n, sizeof(*tmp));
	for (w = 1; w < n; w *= 2) {
		for (lo = 0; lo < n; lo += 2 * w) {
			mid = lo + w < n ? lo + w : n;
			hi = lo + 2 * w < n ? lo + 2 * w : n;
			a = lo;
			b = mid;
			k = lo;
			while (a < mid && b < hi)
				tmp[k++] = cmp(&v[b], &v[a], ctx) < 0 ?
				    v[b++] : v[a++];
			while (a < mid)
				tmp[k++] = v[a++];
			while (b < hi)
				tmp[k++] = v[b++];
		}
		for (i = 0; i < n; i++)
			v[i] = tmp[i];
	}
	free(tmp);
}

/* Collapse the sorted files into inodes. */
static void
build_inodes(struct finder *f)
{
	const struct store_cache_file	*x;
	struct dinode			*d = NULL;
	size_t				 i;

	f->in = xcalloc(f->nfiles + 1, sizeof(*f->in));
	for (i = 0; i < f->nfiles; i++) {
		x = &f->files[i];
		if (d == NULL || x->dev != f->files[d->first].dev ||
		    x->ino != f->files[d->first].ino ||
		    x->size != d->size) {
			d = &f->in[f->nin++];
			d->first = i;
			d->size = x->size;
		}
		d->nfiles++;
		if (x->sha256[0] == '\0')
			continue;
		if (d->sha[0] == '\0') {
			memcpy(d->sha, x->sha256, sizeof(d->sha));
			d->digest = x->digest;
		} else if (strcmp(d->sha, x->sha256) != 0)
			report_warn(f->rep, "%s: names of one file claim "
			    "different digests", x->path);
	}
	f->order = xcalloc(f->nin + 1, sizeof(*f->order));
	for (i = 0; i < f->nin; i++)
		f->order[i] = i;
}

/* Decide what each size group needs read. */
static void
plan_reads(struct finder *f, uint64_t *nsamplep)
{
	size_t	lo, hi, i, unknown;

	*nsamplep = 0;
	for (lo = 0; lo < f->nin; lo = hi) {
		for (hi = lo + 1; hi < f->nin && f->in[hi].size ==
		    f->in[lo].size; hi++)
			;
		if (hi - lo < 2)
			continue;
		for (unknown = 0, i = lo; i < hi; i++)
			unknown += f->in[i].sha[0] == '\0';
		if (unknown == 0)
			continue;
		for (i = lo; i < hi; i++) {
			/* Small: a full hash costs what samples do. */
			if (f->in[lo].size <= 2ULL * f->o->sample_size)
				f->in[i].need_hash = f->in[i].sha[0] == '\0';
			else {
				f->in[i].need_sample = 1;
				(*nsamplep)++;
			}
		}
	}
}

/* ---- the worker pool ---- */

enum pool_work {
	POOL_SAMPLE = 0,
	POOL_COMPARE,
	POOL_HASH,
};

struct pool {
	struct finder	*f;
	enum pool_work	 work;
	size_t		*items;		/* inode indices, largest first */
	size_t		 nitems;
	size_t		 next;
	int		 rc;		/* first fatal error */
};

static void
finder_warn(struct finder *f, const char *path, int err)
{
	pthread_mutex_lock(&f->mtx);
	report_warn(f->rep, "%s: %s; left out", path, strerror(-err));
	pthread_mutex_unlock(&f->mtx);
}

/* One file counted as done in the phase's progress. */
static void
finder_done(struct finder *f, uint64_t *counter, const char *path)
{
	pthread_mutex_lock(&f->mtx);
	(*counter)++;
	f->pr.p.files_done++;
	dedup_prog_update(&f->pr, path, 0);
	pthread_mutex_unlock(&f->mtx);
}

static int
work_sample(struct finder *f, struct dinode *d)
{
	const char	*path;
	int		 fd, rc;

	if ((fd = open_inode(f, d, &path)) < 0) {
		finder_warn(f, path, fd);
		d->failed = 1;
		return 0;
	}
	rc = dedup_sample_fd(&f->pr, fd, d->size, f->o->sample_size,
	    d->sample);
	close(fd);
	if (rc == -ENOTSUP)
		return rc;
	if (rc != 0) {
		finder_warn(f, path, rc);
		d->failed = 1;
		return 0;
	}
	finder_done(f, &f->pr.p.files_sampled, path);
	return 0;
}

/* Unknown d against its one known twin: identical takes the digest. */
static int
work_compare(struct finder *f, struct dinode *d, unsigned char *buf[2])
{
	struct dinode	*k = &f->in[d->twin];
	const char	*path, *kpath;
	uint64_t	 nread = 0;
	int		 fd, kfd, rc;

	if ((fd = open_inode(f, d, &path)) < 0) {
		finder_warn(f, path, fd);
		d->failed = 1;
		return 0;
	}
	if ((kfd = open_inode(f, k, &kpath)) < 0) {
		close(fd);
		finder_warn(f, kpath, kfd);
		return 0;
	}
	rc = dedup_compare_fd(&f->pr, fd, kfd, d->size, &nread, buf);
	close(fd);
	close(kfd);
	if (rc == -ECANCELED)
		return rc;
	if (rc == 0) {
		/* Learned (by compare) and remembered like a hash. */
		memcpy(d->sha, k->sha, sizeof(d->sha));
		d->digest = MODELSTORE_DIGEST_HASH;
		d->hashed = 1;
	} else if (rc != DEDUP_EDIFFERS) {
		finder_warn(f, path, rc);
		d->failed = 1;
		return 0;
	}
	pthread_mutex_lock(&f->mtx);
	f->rep->bytes_compared += nread;
	pthread_mutex_unlock(&f->mtx);
	finder_done(f, &f->pr.p.files_compared, path);
	return 0;
}

static int
work_hash(struct finder *f, struct dinode *d, unsigned char *buf)
{
	const char	*path;
	int		 fd, rc;

	if ((fd = open_inode(f, d, &path)) < 0) {
		finder_warn(f, path, fd);
		d->failed = 1;
		return 0;
	}
	rc = dedup_hash_fd(&f->pr, fd, d->size, d->sha, buf);
	close(fd);
	if (rc == -ECANCELED || rc == -ENOTSUP)
		return rc;
	if (rc != 0) {
		finder_warn(f, path, rc);
		d->sha[0] = '\0';
		d->failed = 1;
		return 0;
	}
	d->digest = MODELSTORE_DIGEST_HASH;
	d->hashed = 1;
	pthread_mutex_lock(&f->mtx);
	f->rep->bytes_hashed += d->size;
	pthread_mutex_unlock(&f->mtx);
	finder_done(f, &f->pr.p.files_hashed, path);
	return 0;
}

/*
 * Take items until none are left. Read buffers are the worker's own, kept
 * for all its files.
 */
static void *
pool_worker(void *arg)
{
	struct pool	*p = arg;
	struct finder	*f = p->f;
	struct dinode	*d;
	unsigned char	*buf[2] = { NULL, NULL };
	int		 rc;

	if (p->work == POOL_COMPARE) {
		buf[0] = xmalloc(DEDUP_CMP_BLOCK);
		buf[1] = xmalloc(DEDUP_CMP_BLOCK);
	} else if (p->work == POOL_HASH)
		buf[0] = xmalloc(DEDUP_HASH_IO_SIZE);
	for (;;) {
		pthread_mutex_lock(&f->mtx);
		if (p->rc != 0 || p->next >= p->nitems) {
			pthread_mutex_unlock(&f->mtx);
			break;
		}
		d = &f->in[p->items[p->next++]];
		if (dedup_cancelled(&f->pr) && p->rc == 0)
			p->rc = -ECANCELED;
		rc = p->rc;
		pthread_mutex_unlock(&f->mtx);
		if (rc != 0)
			break;
		rc = p->work == POOL_SAMPLE ? work_sample(f, d) :
		    p->work == POOL_COMPARE ? work_compare(f, d, buf) :
		    work_hash(f, d, buf[0]);
		if (rc != 0) {
			pthread_mutex_lock(&f->mtx);
			if (p->rc == 0)
				p->rc = rc;
			pthread_mutex_unlock(&f->mtx);
			break;
		}
	}
	free(buf[0]);
	free(buf[1]);
	return NULL;
}

static int
cmp_size_desc(const void *a, const void *b, void *ctx)
{
	const struct dinode	*in = ctx;
	uint64_t		 x = in[*(const size_t *)a].size;
	uint64_t		 y = in[*(const size_t *)b].size;

	return x > y ? -1 : x < y;
}

/*
 * Run work on every inode for which want() holds, on up to f->nthreads
 * threads (this one included), largest files first so that the last
 * stragglers are small. Returns the first fatal error.
 */
static int
pool_run(struct finder *f, enum pool_work work,
    int (*want)(const struct dinode *))
{
	struct pool	 p;
	pthread_t	 tid[DEDUP_MAX_THREADS];
	size_t		 i, nt, started = 0;

	memset(&p, 0, sizeof(p));
	p.f = f;
	p.work = work;
	p.items = xcalloc(f->nin + 1, sizeof(*p.items));
	for (i = 0; i < f->nin; i++)
		if (want(&f->in[i]))
			p.items[p.nitems++] = i;
	sort_ctx(p.items, p.nitems, cmp_size_desc, f->in);
	nt = f->nthreads < p.nitems ? f->nthreads : p.nitems;
	for (i = 1; i < nt; i++) {
		if (pthread_create(&tid[started], NULL, pool_worker, &p) != 0)
			break;
		started++;
	}
	(void)pool_worker(&p);
	for (i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	free(p.items);
	return p.rc;
}

static int
want_sample(const struct dinode *d)
{
	return d->need_sample;
}

static int
want_compare(const struct dinode *d)
{
	return d->need_compare && !d->failed;
}

static int
want_hash(const struct dinode *d)
{
	return d->need_hash && !d->failed;
}

static int
do_samples(struct finder *f, uint64_t nsample)
{
	dedup_prog_phase(&f->pr, DEDUP_PHASE_SAMPLE, nsample,
	    nsample * 2ULL * f->o->sample_size);
	return pool_run(f, POOL_SAMPLE, want_sample);
}

/*
 * v[a..b) share a sample and hold one unknown inode: if every other one
 * has the same known digest, mark the unknown for a compare with the
 * first of them and return 1.
 */
static int
lone_twin(struct finder *f, const size_t *v, size_t a, size_t b)
{
	size_t	i, u = b, k = b;

	for (i = a; i < b; i++) {
		if (f->in[v[i]].sha[0] == '\0')
			u = i;
		else if (k == b)
			k = i;
		else if (strcmp(f->in[v[i]].sha, f->in[v[k]].sha) != 0)
			return 0;
	}
	if (u == b || k == b)
		return 0;
	f->in[v[u]].need_compare = 1;
	f->in[v[u]].twin = v[k];
	return 1;
}

/* After sampling: unknown files that still collide need a full hash. */
static void
plan_hashes(struct finder *f)
{
	size_t	 lo, hi, a, b, i, n, unknown;
	size_t	*v = f->order;

	for (lo = 0; lo < f->nin; lo = hi) {
		for (hi = lo + 1; hi < f->nin && f->in[hi].size ==
		    f->in[lo].size; hi++)
			;
		if (!f->in[lo].need_sample)
			continue;
		/* Drop failed ones to the end, sort the rest by sample. */
		for (n = 0, i = lo; i < hi; i++)
			if (!f->in[i].failed)
				v[lo + n++] = i;
		sort_ctx(v + lo, n, cmp_sample, f->in);
		for (a = lo; a < lo + n; a = b) {
			for (b = a + 1, unknown = f->in[v[a]].sha[0] == '\0';
			    b < lo + n && memcmp(f->in[v[a]].sample,
			    f->in[v[b]].sample, 32) == 0; b++)
				unknown += f->in[v[b]].sha[0] == '\0';
			if (b - a < 2 || unknown == 0)
				continue;
			/*
			 * One unknown against one known content (however
			 * many names and inodes carry it): compare it with
			 * one of them instead of hashing it.
			 */
			if (unknown == 1 && lone_twin(f, v, a, b))
				continue;
			for (i = a; i < b; i++)
				if (f->in[v[i]].sha[0] == '\0')
					f->in[v[i]].need_hash = 1;
		}
		for (i = lo; i < hi; i++)
			v[i] = i;
	}
}

/* Byte compares of unknown files with their lone known twin. */
static int
do_compares(struct finder *f)
{
	uint64_t	nfiles = 0, nbytes = 0;
	size_t		i;

	for (i = 0; i < f->nin; i++) {
		if (want_compare(&f->in[i])) {
			nfiles++;
			nbytes += 2 * f->in[i].size;
		}
	}
	if (nfiles == 0)
		return 0;
	dedup_prog_phase(&f->pr, DEDUP_PHASE_COMPARE, nfiles, nbytes);
	return pool_run(f, POOL_COMPARE, want_compare);
}

static int
do_hashes(struct finder *f)
{
	uint64_t	 nfiles = 0, nbytes = 0;
	int64_t		 t0, t1;
	size_t		 i;
	int		 rc;

	for (i = 0; i < f->nin; i++) {
		if (want_hash(&f->in[i])) {
			nfiles++;
			nbytes += f->in[i].size;
		}
	}
	dedup_prog_phase(&f->pr, DEDUP_PHASE_HASH, nfiles, nbytes);
	t0 = dedup_mono_ns();
	if ((rc = pool_run(f, POOL_HASH, want_hash)) != 0)
		return rc;
	t1 = dedup_mono_ns();
	/* Remember what was hashed or matched, keyed by what must stay. */
	for (i = 0; i < f->nin; i++) {
		if (!f->in[i].hashed)
			continue;
		if ((rc = store_cache_hash_put(f->st,
		    f->files[f->in[i].first].dev,
		    f->files[f->in[i].first].ino, f->in[i].size,
		    f->files[f->in[i].first].mtime_ns, f->in[i].sha)) != 0)
			return rc;
	}
	if (f->rep->bytes_hashed > 0 && t1 > t0)
		f->rep->hash_rate = (double)f->rep->bytes_hashed * 1e9 /
		    (double)(t1 - t0);
	return 0;
}

static int
cmp_op_target(const void *a, const void *b)
{
	return strcmp(((const struct dedup_op *)a)->target,
	    ((const struct dedup_op *)b)->target);
}

static size_t
uf_find(size_t *parent, size_t i)
{
	while (parent[i] != i) {
		parent[i] = parent[parent[i]];
		i = parent[i];
	}
	return i;
}

/* Lower rank = better keeper: content-addressed stores first. */
int
dedup_role_rank(enum modelstore_role role)
{
	switch (role) {
	case MODELSTORE_ROLE_OLLAMA_BLOB:
		return 0;
	case MODELSTORE_ROLE_HF_SHARED:
		return 1;
	case MODELSTORE_ROLE_HF_BLOB:
		return 2;
	case MODELSTORE_ROLE_LMSTUDIO:
		return 3;
	case MODELSTORE_ROLE_LOCAL:
		return 4;
	case MODELSTORE_ROLE_EXTERNAL:
		break;
	}
	return 5;
}

static int
cmp_member(const void *a, const void *b)
{
	const struct dedup_member	*x = a, *y = b;
	int				 c;

	if ((c = dedup_role_rank(x->role) - dedup_role_rank(y->role)) != 0)
		return c;
	if (x->nlink != y->nlink)
		return x->nlink > y->nlink ? -1 : 1;
	return strcmp(x->path, y->path);
}

/*
 * Emit one group from the inodes v[0..n) that share a digest: list every
 * name, work out which names already share storage (same inode, or a clone
 * from the journal that is still in place) and what is wasted.
 */
static void
emit_group(struct finder *f, const size_t *v, size_t n)
{
	struct dedup_report	*rep = f->rep;
	struct dedup_group	*g;
	struct dedup_member	*m;
	struct dedup_op		 key, *op;
	size_t			*parent, i, k, j, nm = 0, *root;

	for (i = 0; i < n; i++)
		nm += f->in[v[i]].nfiles;
	parent = xcalloc(nm, sizeof(*parent));
	root = xcalloc(nm, sizeof(*root));
	m = xcalloc(nm, sizeof(*m));
	for (i = 0, j = 0; i < n; i++) {
		const struct dinode *d = &f->in[v[i]];

		for (k = 0; k < d->nfiles; k++, j++) {
			const struct store_cache_file *x =
			    &f->files[d->first + k];

			m[j].path = xstrdup(x->path);
			m[j].role = x->role;
			m[j].digest = d->digest;
			m[j].dev = x->dev;
			m[j].ino = x->ino;
			m[j].blocks = x->blocks;
			m[j].nlink = x->nlink;
			m[j].mtime_ns = x->mtime_ns;
			parent[j] = j - k;	/* first name of the inode */
		}
	}
	/* Clones we made earlier, unchanged since, share with their source. */
	for (j = 0; j < nm && f->nclones > 0; j++) {
		key.target = m[j].path;
		op = bsearch(&key, f->clones, f->nclones, sizeof(*f->clones),
		    cmp_op_target);
		if (op == NULL || op->result_dev != m[j].dev ||
		    op->result_ino != m[j].ino ||
		    op->result_mtime_ns != m[j].mtime_ns)
			continue;
		for (k = 0; k < nm; k++)
			if (strcmp(m[k].path, op->source) == 0)
				parent[uf_find(parent, j)] = uf_find(parent, k);
	}
	for (j = 0; j < nm; j++)
		root[j] = uf_find(parent, j);

	rep->groups = xreallocarray(rep->groups, rep->ngroups + 1,
	    sizeof(*rep->groups));
	g = &rep->groups[rep->ngroups];
	memset(g, 0, sizeof(*g));
	memcpy(g->sha256, f->in[v[0]].sha, sizeof(g->sha256));
	g->size = f->in[v[0]].size;
	/* Share ids: the index of the set's root, before sorting. */
	for (j = 0; j < nm; j++) {
		m[j].share = root[j];
		if (root[j] == j)
			g->nshares++;
	}
	free(parent);
	free(root);
	if (g->nshares < 2) {
		for (j = 0; j < nm; j++)
			free(m[j].path);
		free(m);
		return;
	}
	qsort(m, nm, sizeof(*m), cmp_member);
	g->members = m;
	g->nmembers = nm;
	g->wasted = g->size * (g->nshares - 1);
	rep->wasted += g->wasted;
	rep->ngroups++;
}

static void
make_groups(struct finder *f)
{
	size_t	 lo, hi, a, b, n, i;
	size_t	*v = f->order;

	for (lo = 0; lo < f->nin; lo = hi) {
		for (hi = lo + 1; hi < f->nin && f->in[hi].size ==
		    f->in[lo].size; hi++)
			;
		if (hi - lo < 2)
			continue;
		for (n = 0, i = lo; i < hi; i++)
			if (!f->in[i].failed && f->in[i].sha[0] != '\0')
				v[lo + n++] = i;
		sort_ctx(v + lo, n, cmp_sha, f->in);
		for (a = lo; a < lo + n; a = b) {
			for (b = a + 1; b < lo + n && strcmp(f->in[v[a]].sha,
			    f->in[v[b]].sha) == 0; b++)
				;
			if (b - a >= 2)
				emit_group(f, v + a, b - a);
		}
	}
}

/* Seconds since *t, which moves to now. */
static double
lap(int64_t *t)
{
	int64_t	now = dedup_mono_ns(), d = now - *t;

	*t = now;
	return (double)d / 1e9;
}

/* Workers for the search: the option, else the online cores (max 8). */
static unsigned
finder_threads(const struct dedup_options *o)
{
	long	n = o->threads;

	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > DEDUP_MAX_THREADS ? DEDUP_MAX_THREADS : (unsigned)n;
}

/* Group the indexed files into sets of identical content. */
int
dedup_find(struct store *st, const struct dedup_options *opts,
    dedup_progress_cb cb, void *arg, const volatile int *cancel,
    struct dedup_report **reportp)
{
	struct dedup_options	defaults;
	struct finder		f;
	uint64_t		nsample;
	int64_t			t;
	int			rc;

	if (opts == NULL) {
		dedup_options_init(&defaults);
		opts = &defaults;
	}
	memset(&f, 0, sizeof(f));
	f.st = st;
	f.o = opts;
	f.rep = xcalloc(1, sizeof(*f.rep));
	pthread_mutex_init(&f.mtx, NULL);
	dedup_prog_init(&f.pr, cb, arg, cancel);
	f.pr.mtx = &f.mtx;
	f.nthreads = finder_threads(opts);
	f.rep->threads = f.nthreads;
	if (opts->sample_size == 0) {
		rc = -EINVAL;
		goto out;
	}

	t = dedup_mono_ns();
	dedup_prog_phase(&f.pr, DEDUP_PHASE_GROUP, 0, 0);
	if ((rc = store_cache_files_load(st, opts->min_size, &f.files,
	    &f.nfiles)) != 0 ||
	    (rc = store_cache_ops_load(st, STORE_CACHE_OPS_SHARING, &f.clones,
	    &f.nclones)) != 0)
		goto out;
	if (f.nclones > 1)
		qsort(f.clones, f.nclones, sizeof(*f.clones), cmp_op_target);
	f.rep->files_considered = f.nfiles;
	build_inodes(&f);
	f.rep->stat_s = lap(&t);
	plan_reads(&f, &nsample);
	f.rep->plan_s = lap(&t);

	if ((rc = do_samples(&f, nsample)) != 0)
		goto out;
	f.rep->sample_s = lap(&t);
	plan_hashes(&f);
	f.rep->plan_s += lap(&t);
	if ((rc = do_compares(&f)) != 0)
		goto out;
	f.rep->compare_s = lap(&t);
	if ((rc = do_hashes(&f)) != 0)
		goto out;
	f.rep->hash_s = lap(&t);

	dedup_prog_phase(&f.pr, DEDUP_PHASE_GROUP, f.nin, 0);
	make_groups(&f);
	f.rep->plan_s += lap(&t);
	f.rep->files_sampled = f.pr.p.files_sampled;
	f.rep->files_hashed = f.pr.p.files_hashed;
	f.rep->files_compared = f.pr.p.files_compared;
	f.rep->bytes_read = f.pr.p.bytes_read;
	dedup_prog_phase(&f.pr, DEDUP_PHASE_DONE, 0, 0);
out:
	if (rc == -ENOTSUP)
		log_warnx("dedup: SHA-256 is not available in this build");
	store_cache_files_free(f.files, f.nfiles);
	store_cache_ops_free(f.clones, f.nclones);
	free(f.in);
	free(f.order);
	pthread_mutex_destroy(&f.mtx);
	if (rc != 0) {
		dedup_report_free(f.rep);
		return rc;
	}
	*reportp = f.rep;
	return 0;
}

/* Free a report; accepts NULL. */
void
dedup_report_free(struct dedup_report *rep)
{
	size_t	i, k;

	if (rep == NULL)
		return;
	for (i = 0; i < rep->ngroups; i++) {
		for (k = 0; k < rep->groups[i].nmembers; k++)
			free(rep->groups[i].members[k].path);
		free(rep->groups[i].members);
	}
	free(rep->groups);
	for (i = 0; i < rep->nwarnings; i++)
		free(rep->warnings[i]);
	free(rep->warnings);
	free(rep);
}

/* Storage figures from the index and the journal. */
int
dedup_stats(struct store *st, struct dedup_stats *statsp)
{
	return store_cache_stats(st, statsp);
}
