/* SPDX-License-Identifier: ISC */
/*
 * test_dedup.c: finding duplicates across real store trees
 * (stores_fixture.h) without hashing known-digest files; dry runs; hard-link
 * and symlink replacement that keeps every file's bytes; the store policies
 * (no symlinks in blobs, hard links only between blobs by default); clone on
 * a filesystem without reflinks changing nothing; bytes that differ from
 * their name's claim; files changed since indexing; downloads in progress;
 * HF locks; crash recovery after every journal step; compares and hashes
 * from the page cache and from the disk; and, when run as root
 * with mkfs.xfs available, real clones on a loop-mounted XFS image.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup.h"
#include "dedup_int.h"
#include "modelstore.h"
#include "osdep.h"
#include "store.h"
#include "store_cache.h"
#include "test.h"
#include "stores_fixture.h"

#define REQUIRE(p) do {							\
	assert_non_null(p);						\
	if ((p) == NULL)						\
		return;							\
} while (0)

#define MIB		(1024 * 1024)
#define SMALL_UNIT	(96 * 1024)	/* crash-loop trees stay small */

static struct fx	 fx;
static struct store	*st;
static char		 real[1024];	/* canonical fx.root */

/* Paths whose bytes must never change, with their sha256. */
struct snap {
	char	path[16][1100];
	char	sha[16][65];
	size_t	n;
};

static void
build(const char *base, size_t unit)
{
	char	buf[PATH_MAX], db[1200], *cause = NULL;

	fx_build(&fx, base, unit);
	if (realpath(fx.root, buf) == NULL)
		abort();
	fx_fmt(real, sizeof(real), "%s", buf);
	fx_fmt(db, sizeof(db), "%s/mlxd.db", fx.root);
	if (store_open(db, &st, &cause) != 0) {
		fprintf(stderr, "%s\n", cause);
		abort();
	}
}

static void
unbuild(void)
{
	store_close(st);
	st = NULL;
	if (fx.root[0] != '\0')
		fx_free(&fx);
}

static int
setup(void **state)
{
	(void)state;
	build("/tmp", MIB);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unbuild();
	return 0;
}

static void
rel(char *out, const char *r)
{
	fx_fmt(out, 1100, "%s/%s", real, r);
}

static void
scan_save(void)
{
	struct modelstore_roots	 roots;
	struct modelstore_index	*idx = NULL;

	fx_roots(&fx, &roots);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	assert_int_equal(store_cache_save_index(st, idx), 0);
	modelstore_index_free(idx);
}

static struct dedup_report *
scan_find(const struct dedup_options *o)
{
	struct dedup_report	*rep = NULL;

	scan_save();
	assert_int_equal(dedup_find(st, o, NULL, NULL, NULL, &rep), 0);
	return rep;
}

static int64_t
query_int(const char *sql)
{
	sqlite3_stmt	*stmt;
	int64_t		 v;

	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static void
snap_add(struct snap *s, const char *r)
{
	rel(s->path[s->n], r);
	assert_int_equal(dedup_sha256_path(s->path[s->n], s->sha[s->n]), 0);
	s->n++;
}

/* Every model file of the fixture, keepers and duplicates alike. */
static void
snap_take(struct snap *s)
{
	char	r[300];

	memset(s, 0, sizeof(*s));
	fx_fmt(r, sizeof(r), "ollama/blobs/sha256-%s", fx.sha_a);
	snap_add(s, r);
	fx_fmt(r, sizeof(r), "ollama/blobs/sha256-%s", fx.sha_b);
	snap_add(s, r);
	fx_fmt(r, sizeof(r), "ollama/blobs/sha256-%s", fx.sha_e);
	snap_add(s, r);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/blobs/%s", fx.sha_a);
	snap_add(s, r);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/blobs/%s", fx.sha_f);
	snap_add(s, r);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/snapshots/%s/"
	    "model.gguf", FX_REV_MAIN);
	snap_add(s, r);
	snap_add(s, "lms/models/lmstudio-community/Alpha-GGUF/"
	    "alpha-Q4_K_M.gguf");
	snap_add(s, "lms/models/lmstudio-community/Beta-GGUF/beta.gguf");
	snap_add(s, "lms/models/publisher/decoy/decoy.gguf");
	snap_add(s, "local/proj/a-link.gguf");
	snap_add(s, "local/proj/b-copy.gguf");
	snap_add(s, "local/proj/d.gguf");
}

/* Every path is present (following links) with its original bytes. */
static void
snap_check(const struct snap *s)
{
	char	hex[65];
	size_t	i;

	for (i = 0; i < s->n; i++) {
		if (dedup_sha256_path(s->path[i], hex) != 0)
			fail_msg("%s: unreadable", s->path[i]);
		if (strcmp(hex, s->sha[i]) != 0)
			fail_msg("%s: content changed", s->path[i]);
	}
}

static int	temps_found;

static int
temp_cb(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	(void)sb;
	(void)type;
	if (modelstore_is_temp(path + ftw->base)) {
		fprintf(stderr, "leftover temp: %s\n", path);
		temps_found++;
	}
	return 0;
}

static int
count_temps(void)
{
	temps_found = 0;
	(void)nftw(fx.root, temp_cb, 16, FTW_PHYS);
	return temps_found;
}

static void
stat_rel(const char *r, struct stat *sb)
{
	char	p[1100];

	rel(p, r);
	assert_int_equal(lstat(p, sb), 0);
}

static const struct dedup_group *
group_of(const struct dedup_report *rep, uint64_t size)
{
	size_t	i;

	for (i = 0; i < rep->ngroups; i++)
		if (rep->groups[i].size == size)
			return &rep->groups[i];
	return NULL;
}

static const struct dedup_action *
action_for(const struct dedup_result *res, const char *r)
{
	char	p[1100];
	size_t	i;

	rel(p, r);
	for (i = 0; i < res->nactions; i++)
		if (strcmp(res->actions[i].target, p) == 0)
			return &res->actions[i];
	return NULL;
}

static void
options(struct dedup_options *o, int dry, enum dedup_method m0, int n)
{
	dedup_options_init(o);
	o->dry_run = dry;
	o->methods[0] = m0;
	o->methods[1] = DEDUP_SYMLINK;
	o->nmethods = (size_t)n;
}

/* ---- tests ---- */

static void
test_names(void **state)
{
	struct dedup_options	o;
	enum dedup_method	m;
	enum dedup_op_state	s;

	(void)state;
	dedup_options_init(&o);
	assert_int_equal(o.min_size, MIB);
	assert_int_equal(o.sample_size, 64 * 1024);
	assert_true(o.dry_run);
	assert_int_equal(o.nmethods, 1);
	assert_int_equal(o.methods[0], DEDUP_CLONE);
	assert_int_equal(dedup_method_parse("hardlink", &m), 0);
	assert_int_equal(m, DEDUP_HARDLINK);
	assert_int_equal(dedup_method_parse("copy", &m), -EINVAL);
	assert_string_equal(dedup_op_state_name(DEDUP_OP_TEMP_CREATED),
	    "temp_created");
	assert_int_equal(dedup_op_state_parse("rolled_back", &s), 0);
	assert_int_equal(s, DEDUP_OP_ROLLED_BACK);
}

struct rec {
	int		 seen[DEDUP_PHASE_DONE + 1];
	uint64_t	 hashed;
	uint64_t	 hash_total;
	int		 bad;
};

static void
rec_cb(void *arg, const struct dedup_progress *p)
{
	struct rec	*r = arg;

	r->seen[p->phase] = 1;
	if (p->files_hashed > r->hashed)
		r->hashed = p->files_hashed;
	if (p->phase == DEDUP_PHASE_HASH)
		r->hash_total = p->bytes_total;
	if (p->rate < 0 || p->eta_s < -1 || (p->bytes_total != 0 &&
	    p->bytes_done > p->bytes_total))
		r->bad = 1;
}

static void
test_find(void **state)
{
	struct dedup_report		*rep = NULL;
	const struct dedup_group	*g;
	struct rec			 r;
	struct stat			 sb;
	char				 p[1100], q[1100];
	size_t				 i;

	(void)state;
	scan_save();
	memset(&r, 0, sizeof(r));
	assert_int_equal(dedup_find(st, NULL, rec_cb, &r, NULL, &rep), 0);
	assert_int_equal(rep->ngroups, 2);
	assert_int_equal(rep->wasted, 2 * fx.sa + fx.sb);

	/* A: Ollama blob, HF blob, LM Studio copy + its hard link. */
	g = group_of(rep, fx.sa);
	REQUIRE(g);
	assert_string_equal(g->sha256, fx.sha_a);
	assert_int_equal(g->nmembers, 4);
	assert_int_equal(g->nshares, 3);
	assert_int_equal(g->wasted, 2 * fx.sa);
	fx_fmt(p, sizeof(p), "%s/ollama/blobs/sha256-%s", real, fx.sha_a);
	assert_string_equal(g->members[0].path, p);	/* preferred keeper */
	assert_int_equal(g->members[0].digest, MODELSTORE_DIGEST_NAME);
	rel(p, "lms/models/lmstudio-community/Alpha-GGUF/alpha-Q4_K_M.gguf");
	rel(q, "local/proj/a-link.gguf");
	for (i = 0; i < g->nmembers; i++)
		if (strcmp(g->members[i].path, p) == 0 ||
		    strcmp(g->members[i].path, q) == 0)
			assert_int_equal(g->members[i].share,
			    g->members[3].share);
	/* B: the Ollama blob (LM Studio's symlink is the same file) + copy. */
	g = group_of(rep, fx.sb);
	REQUIRE(g);
	assert_string_equal(g->sha256, fx.sha_b);
	assert_int_equal(g->nmembers, 2);
	assert_int_equal(g->wasted, fx.sb);

	/*
	 * Reads: the five inodes of A's size and the two of B's are sampled;
	 * only the unknown ones that still collide are read in full: the B
	 * copy, whose one collision is the B blob of known digest, is
	 * compared with it byte for byte; the others (the LM Studio copy, D)
	 * are hashed. The decoy differs in its tail and is never hashed;
	 * known-digest blobs are never hashed.
	 */
	assert_int_equal(rep->files_sampled, 7);
	assert_int_equal(rep->files_hashed, 2);
	assert_int_equal(rep->bytes_hashed, 2 * fx.sa);
	assert_int_equal(rep->files_compared, 1);
	assert_int_equal(rep->bytes_compared, 2 * fx.sb);
	assert_true(rep->threads >= 1);
	assert_int_equal(query_int("SELECT COUNT(*) FROM cache_hashes"), 3);
	fx_fmt(p, sizeof(p), "%s/blobs/sha256-%s", fx.ollama, fx.sha_a);
	assert_int_equal(stat(p, &sb), 0);
	fx_fmt(q, sizeof(q), "SELECT COUNT(*) FROM cache_hashes WHERE "
	    "ino = %llu", (unsigned long long)sb.st_ino);
	assert_int_equal(query_int(q), 0);
	stat_rel("lms/models/publisher/decoy/decoy.gguf", &sb);
	fx_fmt(q, sizeof(q), "SELECT COUNT(*) FROM cache_hashes WHERE "
	    "ino = %llu", (unsigned long long)sb.st_ino);
	assert_int_equal(query_int(q), 0);
	assert_true(r.seen[DEDUP_PHASE_SAMPLE]);
	assert_true(r.seen[DEDUP_PHASE_HASH]);
	assert_true(r.seen[DEDUP_PHASE_DONE]);
	assert_true(r.seen[DEDUP_PHASE_COMPARE]);
	assert_int_equal(r.hashed, 2);
	assert_int_equal(r.hash_total, 2 * fx.sa);
	assert_false(r.bad);
	assert_true(rep->hash_rate > 0);
	dedup_report_free(rep);
	rep = NULL;

	/* Learned hashes survive a rescan: nothing is hashed again. */
	rep = scan_find(NULL);
	assert_int_equal(rep->files_hashed, 0);
	assert_int_equal(rep->files_compared, 0);
	assert_int_equal(rep->ngroups, 2);
	assert_int_equal(rep->wasted, 2 * fx.sa + fx.sb);
	dedup_report_free(rep);
}

static void
test_cancel(void **state)
{
	struct dedup_report	*rep = NULL;
	int			 cancel = 1;

	(void)state;
	scan_save();
	assert_int_equal(dedup_find(st, NULL, NULL, NULL, &cancel, &rep),
	    -ECANCELED);
	assert_null(rep);
}

static int	can_clone(const char *dir);

static void
test_dry_run(void **state)
{
	struct dedup_options	 o;
	struct dedup_report	*rep;
	struct dedup_result	*res = NULL;
	struct snap		 s;
	struct stat		 before, after;
	size_t			 i;

	(void)state;
	snap_take(&s);
	dedup_options_init(&o);
	rep = scan_find(&o);
	stat_rel("local/proj/b-copy.gguf", &before);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	assert_int_equal(res->nactions, 4);
	if (!can_clone(fx.root)) {
		/* A dry run promises no clone the filesystem cannot make. */
		for (i = 0; i < res->nactions; i++) {
			assert_int_equal(res->actions[i].outcome,
			    DEDUP_OUTCOME_UNSUPPORTED);
			assert_non_null(strstr(res->actions[i].reason,
			    "clone: not supported"));
		}
		assert_int_equal(res->reclaimable, 0);
		goto out;
	}
	for (i = 0; i < res->nactions; i++) {
		assert_int_equal(res->actions[i].outcome,
		    DEDUP_OUTCOME_PLANNED);
		assert_int_equal(res->actions[i].method, DEDUP_CLONE);
	}
	/* The two A names of one inode free its blocks once. */
	assert_true(res->reclaimable >= 2 * fx.sa + fx.sb);
	assert_true(res->reclaimable < 3 * fx.sa + fx.sb);
out:
	assert_int_equal(query_int("SELECT COUNT(*) FROM cache_ops"), 0);
	stat_rel("local/proj/b-copy.gguf", &after);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(osdep_stat_mtime_ns(&before),
	    osdep_stat_mtime_ns(&after));
	snap_check(&s);
	dedup_result_free(res);
	dedup_report_free(rep);
}

/* 1 if this directory's filesystem can clone (btrfs, XFS, APFS). */
static int
can_clone(const char *dir)
{
	char	p[1100];
	int	fd, dfd, rc;

	fx_fmt(p, sizeof(p), "%s/probe-src", dir);
	fx_write(p, "x", 1);
	fd = open(p, O_RDONLY);
	dfd = open(dir, O_RDONLY | O_DIRECTORY);
	rc = osdep_clone_file(fd, dfd, "probe-dst");
	(void)unlinkat(dfd, "probe-dst", 0);
	close(fd);
	close(dfd);
	unlink(p);
	return rc == 0;
}

static void
test_clone_unsupported(void **state)
{
	struct dedup_options	 o;
	struct dedup_report	*rep;
	struct dedup_result	*res = NULL;
	struct snap		 s;
	struct stat		 before[3], after[3];
	const char		*names[3] = {
		"local/proj/b-copy.gguf", "local/proj/a-link.gguf",
		"lms/models/lmstudio-community/Alpha-GGUF/alpha-Q4_K_M.gguf",
	};
	size_t			 i;

	(void)state;
	if (can_clone(fx.root)) {
		print_message("skipped: %s can clone; this test needs a "
		    "filesystem without reflinks (ext4, tmpfs)\n", fx.root);
		skip();
	}
	snap_take(&s);
	options(&o, 0, DEDUP_CLONE, 1);
	rep = scan_find(&o);
	for (i = 0; i < 3; i++)
		stat_rel(names[i], &before[i]);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	assert_int_equal(res->nactions, 4);
	assert_int_equal(res->nunsupported, 4);
	assert_int_equal(res->ndone, 0);
	assert_int_equal(res->reclaimed, 0);
	for (i = 0; i < res->nactions; i++) {
		assert_int_equal(res->actions[i].outcome,
		    DEDUP_OUTCOME_UNSUPPORTED);
		assert_non_null(strstr(res->actions[i].reason,
		    "not supported"));
	}
	/* Nothing changed: same inodes, same times, same bytes, no temps. */
	for (i = 0; i < 3; i++) {
		stat_rel(names[i], &after[i]);
		assert_int_equal(before[i].st_ino, after[i].st_ino);
		assert_int_equal(osdep_stat_mtime_ns(&before[i]),
		    osdep_stat_mtime_ns(&after[i]));
	}
	snap_check(&s);
	assert_int_equal(count_temps(), 0);
	assert_int_equal(query_int("SELECT COUNT(*) FROM cache_ops WHERE "
	    "state <> 'rolled_back'"), 0);
	dedup_result_free(res);
	dedup_report_free(rep);
}

static void
test_hardlink(void **state)
{
	struct dedup_options		 o;
	struct dedup_report		*rep;
	struct dedup_result		*res = NULL;
	const struct dedup_action	*act;
	struct dedup_stats		 s0, s1;
	struct snap			 s;
	struct stat			 ko, kh, kl, kb;
	char				 r[300];
	uint64_t			 sum = 0;
	size_t				 i;

	(void)state;
	snap_take(&s);
	options(&o, 0, DEDUP_HARDLINK, 1);
	rep = scan_find(&o);
	assert_int_equal(dedup_stats(st, &s0), 0);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	/* Blob to blob only: the HF blob joins the Ollama blob's inode. */
	assert_int_equal(res->ndone, 1);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/blobs/%s", fx.sha_a);
	act = action_for(res, r);
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_DONE);
	assert_int_equal(act->method, DEDUP_HARDLINK);
	assert_true(act->bytes >= fx.sa);
	act = action_for(res, "local/proj/b-copy.gguf");
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_SKIPPED);
	assert_non_null(strstr(act->reason, "hard links only join"));
	fx_fmt(r, sizeof(r), "ollama/blobs/sha256-%s", fx.sha_a);
	stat_rel(r, &ko);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/blobs/%s", fx.sha_a);
	stat_rel(r, &kh);
	assert_int_equal(ko.st_ino, kh.st_ino);
	assert_int_equal(ko.st_nlink, 2);
	snap_check(&s);
	dedup_result_free(res);
	dedup_report_free(rep);

	/* Opting in: user files too; every A and B name ends on one inode. */
	o.link_user_files = 1;
	rep = scan_find(&o);
	assert_int_equal(rep->ngroups, 2);
	assert_int_equal(rep->wasted, fx.sa + fx.sb);
	res = NULL;
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	assert_int_equal(res->ndone, 3);
	for (i = 0; i < res->nactions; i++)
		sum += res->actions[i].bytes;
	assert_int_equal(sum, res->reclaimed);
	stat_rel("local/proj/a-link.gguf", &kl);
	stat_rel("local/proj/b-copy.gguf", &kb);
	fx_fmt(r, sizeof(r), "ollama/blobs/sha256-%s", fx.sha_a);
	stat_rel(r, &ko);
	assert_int_equal(kl.st_ino, ko.st_ino);
	assert_int_equal(ko.st_nlink, 4);
	fx_fmt(r, sizeof(r), "ollama/blobs/sha256-%s", fx.sha_b);
	stat_rel(r, &ko);
	assert_int_equal(kb.st_ino, ko.st_ino);
	snap_check(&s);
	assert_int_equal(count_temps(), 0);
	dedup_result_free(res);
	dedup_report_free(rep);

	/* Nothing left to do; the space shows in the stats. */
	rep = scan_find(&o);
	assert_int_equal(rep->ngroups, 0);
	assert_int_equal(rep->wasted, 0);
	dedup_report_free(rep);
	assert_int_equal(dedup_stats(st, &s1), 0);
	assert_int_equal(s1.ops_done, 4);
	assert_int_equal(s1.ops_pending, 0);
	assert_true(s1.reclaimed_by[DEDUP_HARDLINK] >= 2 * fx.sa + fx.sb);
	assert_int_equal(s1.reclaimed, s1.reclaimed_by[DEDUP_HARDLINK]);
	assert_int_equal(s1.logical, s0.logical);
	assert_true(s0.physical - s1.physical >= 2 * fx.sa + fx.sb);
	assert_int_equal(s1.inodes, s0.inodes - 3);
	assert_int_equal(s1.ncleanup, 4);
}

static void
test_symlink(void **state)
{
	struct dedup_options		 o;
	struct dedup_report		*rep;
	struct dedup_result		*res = NULL;
	const struct dedup_action	*act;
	struct snap			 s;
	struct stat			 sb;
	char				 p[1100], link[1100], keeper[1100];
	ssize_t				 n;

	(void)state;
	snap_take(&s);
	options(&o, 0, DEDUP_HARDLINK, 2);	/* hardlink, then symlink */
	rep = scan_find(&o);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	/*
	 * Without link_user_files no user file becomes a symlink: it would
	 * dangle (the bytes gone) once the kept copy's store deletes it.
	 */
	assert_int_equal(res->ndone, 1);
	rel(p, "lms/models/lmstudio-community/Alpha-GGUF/alpha-Q4_K_M.gguf");
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	act = action_for(res, "local/proj/b-copy.gguf");
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_SKIPPED);
	assert_non_null(strstr(act->reason, "link_user_files"));
	snap_check(&s);
	dedup_result_free(res);
	dedup_report_free(rep);

	/* Opting in: the user files become symlinks to the kept copies. */
	options(&o, 0, DEDUP_SYMLINK, 1);
	o.link_user_files = 1;
	rep = scan_find(&o);
	res = NULL;
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	assert_int_equal(res->ndone, 3);
	fx_fmt(keeper, sizeof(keeper), "%s/ollama/blobs/sha256-%s", real,
	    fx.sha_a);
	rel(p, "lms/models/lmstudio-community/Alpha-GGUF/alpha-Q4_K_M.gguf");
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISLNK(sb.st_mode));
	n = readlink(p, link, sizeof(link) - 1);
	assert_true(n > 0);
	link[n] = '\0';
	assert_string_equal(link, keeper);
	act = action_for(res, "local/proj/b-copy.gguf");
	REQUIRE(act);
	assert_int_equal(act->method, DEDUP_SYMLINK);
	/* The HF blob was hard-linked, never symlinked. */
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/%s", fx.hub,
	    fx.sha_a);
	assert_int_equal(lstat(p, &sb), 0);
	assert_true(S_ISREG(sb.st_mode));
	snap_check(&s);
	assert_int_equal(count_temps(), 0);
	dedup_result_free(res);
	dedup_report_free(rep);

	rep = scan_find(&o);
	assert_int_equal(rep->ngroups, 0);
	dedup_report_free(rep);
}

static void
test_differs_and_changed(void **state)
{
	struct dedup_options		 o;
	struct dedup_report		*rep;
	struct dedup_result		*res = NULL;
	const struct dedup_action	*act;
	struct stat			 before, after;
	char				 p[1100], r[300];
	unsigned char			*bad;

	(void)state;
	/* Bit rot: the HF blob still claims A's sha256 by name. */
	bad = malloc(fx.sa);
	REQUIRE(bad);
	memcpy(bad, fx.a, fx.sa);
	bad[fx.sa / 3] ^= 1;
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/%s", fx.hub,
	    fx.sha_a);
	fx_write(p, bad, fx.sa);
	free(bad);
	options(&o, 0, DEDUP_HARDLINK, 2);
	rep = scan_find(&o);
	assert_int_equal(lstat(p, &before), 0);
	/* Touched after indexing: must be left alone. */
	rel(p, "local/proj/b-copy.gguf");
	fx_age(p, 1);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/blobs/%s", fx.sha_a);
	act = action_for(res, r);
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_DIFFERS);
	stat_rel(r, &after);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(after.st_nlink, 1);
	act = action_for(res, "local/proj/b-copy.gguf");
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_SKIPPED);
	assert_non_null(strstr(act->reason, "changed since indexing"));
	stat_rel("local/proj/b-copy.gguf", &after);
	assert_true(S_ISREG(after.st_mode));
	dedup_result_free(res);
	dedup_report_free(rep);
}

static void
test_busy_and_locked(void **state)
{
	struct dedup_options		 o;
	struct dedup_report		*rep;
	struct dedup_result		*res = NULL;
	const struct dedup_action	*act;
	char				 p[1100], r[300];
	struct timespec			 now[2];
	int				 fd;

	(void)state;
	options(&o, 0, DEDUP_HARDLINK, 1);
	fx_fmt(r, sizeof(r), "hf/hub/models--org--alpha/blobs/%s", fx.sha_a);

	/* A download holds huggingface_hub's lock on the blob. */
	fx_fmt(p, sizeof(p), "%s/.locks/models--org--alpha/%s.lock", fx.hub,
	    fx.sha_a);
	fx_write(p, "", 0);
	fd = open(p, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(flock(fd, LOCK_EX), 0);
	rep = scan_find(&o);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	act = action_for(res, r);
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_SKIPPED);
	assert_non_null(strstr(act->reason, "locked"));
	close(fd);
	dedup_result_free(res);
	dedup_report_free(rep);

	/* A fresh .incomplete beside it: a download in progress. */
	fx_fmt(p, sizeof(p), "%s/models--org--alpha/blobs/%s.incomplete",
	    fx.hub, fx.sha_b);
	clock_gettime(CLOCK_REALTIME, &now[0]);
	now[1] = now[0];
	assert_int_equal(utimensat(AT_FDCWD, p, now, 0), 0);
	rep = scan_find(&o);
	res = NULL;
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	act = action_for(res, r);
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_SKIPPED);
	assert_non_null(strstr(act->reason, "download is in progress"));
	assert_int_equal(res->ndone, 0);
	dedup_result_free(res);
	dedup_report_free(rep);
}

static void
test_hf_shared(void **state)
{
	struct dedup_options		 o;
	struct dedup_report		*rep;
	struct dedup_result		*res = NULL;
	const struct dedup_action	*act;
	const struct dedup_group	*g;
	struct stat			 before, after;
	char				 payload[1100];
	size_t				 i;

	(void)state;
	/* HF's shared store holds a third copy of B. */
	fx_hf_shared(&fx, fx.b, fx.sb, payload, sizeof(payload));
	assert_int_equal(stat(payload, &before), 0);
	options(&o, 0, DEDUP_HARDLINK, 1);
	o.link_user_files = 1;
	rep = scan_find(&o);
	g = group_of(rep, fx.sb);
	REQUIRE(g);
	assert_int_equal(g->nmembers, 3);
	assert_int_equal(g->members[0].role, MODELSTORE_ROLE_OLLAMA_BLOB);
	assert_int_equal(g->members[1].role, MODELSTORE_ROLE_HF_SHARED);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	for (i = 0; i < res->nactions; i++)
		if (strstr(res->actions[i].target, "/blobs/ab/") != NULL)
			break;
	assert_true(i < res->nactions);
	act = &res->actions[i];
	assert_int_equal(act->outcome, DEDUP_OUTCOME_SKIPPED);
	assert_non_null(strstr(act->reason, "shared blob store"));
	assert_int_equal(stat(payload, &after), 0);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(after.st_nlink, 1);
	act = action_for(res, "local/proj/b-copy.gguf");
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_DONE);
	dedup_result_free(res);
	dedup_report_free(rep);
}

/*
 * Simulate a crash after every journal step k in turn (fresh tree each
 * time), recover, and check that every file is present with its bytes, no
 * temp is left and no operation is unfinished; then finish the job.
 */
static void
crash_loop(const char *base, const struct dedup_options *tmpl,
    unsigned min_steps)
{
	struct dedup_options	 o;
	struct dedup_report	*rep;
	struct dedup_result	*res;
	struct dedup_op		*ops;
	struct snap		 s;
	size_t			 nops;
	unsigned		 k;
	int			 rc;

	for (k = 1; k < 200; k++) {
		build(base, SMALL_UNIT);
		snap_take(&s);
		o = *tmpl;
		o.min_size = 64 * 1024;
		o.sample_size = 16 * 1024;
		rep = scan_find(&o);
		assert_true(rep->ngroups >= 2);
		o.test_stop_after = k;
		res = NULL;
		rc = dedup_apply(st, rep, &o, NULL, NULL, NULL, &res);
		if (rc == 0) {
			/* k is past the last step: a complete run. */
			assert_true(res->ndone >= 3);
			dedup_result_free(res);
			dedup_report_free(rep);
			snap_check(&s);
			assert_int_equal(count_temps(), 0);
			unbuild();
			break;
		}
		assert_int_equal(rc, -EINTR);
		assert_null(res);
		dedup_report_free(rep);

		/* "Restart": recover, then everything must be intact. */
		assert_int_equal(dedup_recover(st), 0);
		snap_check(&s);
		if (count_temps() != 0)
			fail_msg("temp left after recovery at step %u", k);
		ops = NULL;
		assert_int_equal(store_cache_ops_load(st,
		    STORE_CACHE_OPS_UNFINISHED, &ops, &nops), 0);
		assert_int_equal(nops, 0);
		store_cache_ops_free(ops, nops);

		/* And the job can simply be run again to the end. */
		o.test_stop_after = 0;
		rep = scan_find(&o);
		res = NULL;
		assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL,
		    &res), 0);
		assert_int_equal(res->nfailed, 0);
		dedup_result_free(res);
		dedup_report_free(rep);
		snap_check(&s);
		assert_int_equal(count_temps(), 0);
		rep = scan_find(&o);
		assert_int_equal(rep->ngroups, 0);
		dedup_report_free(rep);
		unbuild();
	}
	if (k < min_steps)
		fail_msg("only %u steps before completion", k - 1);
}

/*
 * Recovery acts relative to the target's folder opened without following
 * links: after a crash, a store folder swapped for a symlink to a folder of
 * the user's holding files with the same names is left alone.
 */
static void
test_recover_no_follow(void **state)
{
	struct dedup_options	 o;
	struct dedup_report	*rep;
	struct dedup_result	*res = NULL;
	struct dedup_op		*ops = NULL;
	struct stat		 sb;
	char			 dir[1100], moved[1200], victim[1100];
	char			 vt[1400], vm[1400], *slash;
	size_t			 nops = 0, i;
	unsigned		 k;
	int			 rc;

	(void)state;
	unbuild();
	for (k = 3; k < 12; k++) {
		build("/tmp", SMALL_UNIT);
		options(&o, 0, DEDUP_HARDLINK, 1);
		o.link_user_files = 1;
		o.min_size = 64 * 1024;
		o.sample_size = 16 * 1024;
		rep = scan_find(&o);
		o.test_stop_after = k;
		rc = dedup_apply(st, rep, &o, NULL, NULL, NULL, &res);
		dedup_report_free(rep);
		assert_int_equal(rc, -EINTR);
		assert_int_equal(store_cache_ops_load(st,
		    STORE_CACHE_OPS_UNFINISHED, &ops, &nops), 0);
		for (i = 0; i < nops; i++)
			if (ops[i].temp != NULL && lstat(ops[i].temp, &sb) == 0)
				break;
		if (i < nops)
			break;
		store_cache_ops_free(ops, nops);
		ops = NULL;
		unbuild();
	}
	if (ops == NULL)
		fail_msg("no step left a temp behind");
	fx_fmt(dir, sizeof(dir), "%s", ops[i].target);
	slash = strrchr(dir, '/');
	*slash = '\0';
	fx_fmt(moved, sizeof(moved), "%s.moved", dir);
	fx_fmt(victim, sizeof(victim), "%s/victim", real);
	fx_fmt(vt, sizeof(vt), "%s/%s", victim, slash + 1);
	fx_fmt(vm, sizeof(vm), "%s/%s", victim, strrchr(ops[i].temp, '/') +
	    1);
	assert_int_equal(rename(dir, moved), 0);
	assert_int_equal(mkdir(victim, 0755), 0);
	fx_write(vt, "the user's file\n", 16);
	fx_write(vm, "another of the user's files\n", 28);
	assert_int_equal(symlink(victim, dir), 0);
	assert_int_equal(dedup_recover(st), 0);
	/* Both of the user's files are still there, unchanged. */
	assert_int_equal(lstat(vt, &sb), 0);
	assert_int_equal(sb.st_size, 16);
	assert_int_equal(lstat(vm, &sb), 0);
	assert_int_equal(sb.st_size, 28);
	assert_int_equal(unlink(dir), 0);
	assert_int_equal(rename(moved, dir), 0);
	store_cache_ops_free(ops, nops);
}

static void
test_crash_recovery(void **state)
{
	struct dedup_options	o;

	(void)state;
	/*
	 * User files by symlink (opted in); the HF blob, which may not be a
	 * symlink, by hard link: 4 targets x 8 steps.
	 */
	options(&o, 0, DEDUP_SYMLINK, 2);
	o.methods[1] = DEDUP_HARDLINK;
	o.link_user_files = 1;
	crash_loop("/tmp", &o, 32);
	/* Hard links everywhere. */
	options(&o, 0, DEDUP_HARDLINK, 1);
	o.link_user_files = 1;
	crash_loop("/tmp", &o, 32);
}

/* ---- optional: real clones on XFS ---- */

static char	xfs_img[256];
static char	xfs_mnt[256];

static int	xfs_mounted;

static int
xfs_up(void)
{
	char	cmd[1024];

	if (geteuid() != 0 || system("command -v mkfs.xfs >/dev/null 2>&1") !=
	    0)
		return 0;
	fx_fmt(xfs_mnt, sizeof(xfs_mnt), "/tmp/mlxd-xfs-XXXXXX");
	if (mkdtemp(xfs_mnt) == NULL)
		return 0;
	fx_fmt(xfs_img, sizeof(xfs_img), "%s.img", xfs_mnt);
	fx_fmt(cmd, sizeof(cmd), "truncate -s 320M %s && mkfs.xfs -q -f "
	    "-m reflink=1 %s >/dev/null 2>&1 && mount -o loop %s %s "
	    ">/dev/null 2>&1", xfs_img, xfs_img, xfs_img, xfs_mnt);
	if (system(cmd) != 0) {
		unlink(xfs_img);
		rmdir(xfs_mnt);
		return 0;
	}
	xfs_mounted = 1;
	return 1;
}

static void
xfs_down(void)
{
	char	cmd[1024];

	if (!xfs_mounted)
		return;
	xfs_mounted = 0;
	fx_fmt(cmd, sizeof(cmd), "umount %s", xfs_mnt);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot unmount %s\n", xfs_mnt);
	rmdir(xfs_mnt);
	unlink(xfs_img);
}

/* Mount the image before the test; unmount after it, even on failure. */
static int
xfs_setup(void **state)
{
	(void)state;
	(void)xfs_up();
	return 0;
}

static int
xfs_teardown(void **state)
{
	(void)state;
	unbuild();
	xfs_down();
	return 0;
}

static void
test_xfs_clone(void **state)
{
	struct dedup_options		 o;
	struct dedup_report		*rep;
	struct dedup_result		*res = NULL;
	const struct dedup_action	*act;
	struct dedup_stats		 stats;
	struct snap			 s;
	struct stat			 before, after;
	size_t				 i;

	(void)state;
	if (!xfs_mounted) {
		print_message("skipped: needs root, mkfs.xfs and loop mounts "
		    "for a reflink XFS image\n");
		skip();
	}
	build(xfs_mnt, MIB);
	if (!can_clone(fx.root))
		fail_msg("the XFS image cannot clone");
	snap_take(&s);
	options(&o, 0, DEDUP_CLONE, 1);
	rep = scan_find(&o);
	stat_rel("local/proj/b-copy.gguf", &before);
	assert_int_equal(dedup_apply(st, rep, &o, NULL, NULL, NULL, &res), 0);
	/* In place (FIDEDUPERANGE): same inodes, the kernel verified bytes. */
	assert_int_equal(res->nunsupported, 0);
	assert_int_equal(res->nfailed, 0);
	assert_true(res->ndone >= 3);
	for (i = 0; i < res->nactions; i++)
		assert_int_equal(res->actions[i].method, DEDUP_CLONE);
	act = action_for(res, "local/proj/b-copy.gguf");
	REQUIRE(act);
	assert_int_equal(act->outcome, DEDUP_OUTCOME_DONE);
	stat_rel("local/proj/b-copy.gguf", &after);
	assert_int_equal(before.st_ino, after.st_ino);
	assert_int_equal(osdep_stat_mtime_ns(&before),
	    osdep_stat_mtime_ns(&after));
	snap_check(&s);
	dedup_result_free(res);
	dedup_report_free(rep);
	/* The journal knows these now share storage. */
	rep = scan_find(&o);
	assert_int_equal(rep->ngroups, 0);
	dedup_report_free(rep);
	assert_int_equal(dedup_stats(st, &stats), 0);
	assert_true(stats.reclaimed_by[DEDUP_CLONE] >= 2 * fx.sa + fx.sb);
	assert_true(stats.clone_shared >= 2 * fx.sa + fx.sb);
	assert_true(stats.physical_est < stats.physical);
	unbuild();

	/* Clone through a temp + rename (the macOS path), with crashes. */
	options(&o, 0, DEDUP_CLONE, 1);
	o.test_no_inplace = 1;
	crash_loop(xfs_mnt, &o, 32);
}

static int
io_file(const char *path, const unsigned char *data, size_t n, int evict)
{
	int	fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return -1;
	if (write(fd, data, n) != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		return -1;
	}
#ifdef POSIX_FADV_DONTNEED
	/* Clean pages leave the page cache: the read goes to the disk. */
	if (evict)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
#else
	(void)evict;
#endif
	close(fd);
	return open(path, O_RDONLY);
}

/*
 * Compares and hashes read the same bytes whether the file's head is in
 * the page cache or not (the two ways its first block is read), with
 * reused buffers or their own, and still notice a length that changed.
 */
static void
test_io_cached_and_not(void **state)
{
	char		 dir[] = "/tmp/mlxd-test-dedupio-XXXXXX";
	char		 pa[64], pb[64], pc[64], hex[65], hex2[65];
	unsigned char	*data, *iobuf[2], *hbuf;
	size_t		 n = 3 * MIB + 123, i;
	uint64_t	 nread;
	int		 evict, fa, fb, fc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	data = malloc(n);
	REQUIRE(data);
	for (i = 0; i < n; i++)
		data[i] = (unsigned char)(i * 7 + (i >> 13));
	iobuf[0] = malloc(DEDUP_CMP_BLOCK);
	iobuf[1] = malloc(DEDUP_CMP_BLOCK);
	hbuf = malloc(DEDUP_HASH_IO_SIZE);
	snprintf(pa, sizeof(pa), "%s/a", dir);
	snprintf(pb, sizeof(pb), "%s/b", dir);
	snprintf(pc, sizeof(pc), "%s/c", dir);
	assert_int_equal(dedup_sha256_path(pa, hex), -ENOENT);
	for (evict = 0; evict < 2; evict++) {
		fa = io_file(pa, data, n, evict);
		fb = io_file(pb, data, n, evict);
		data[n - 5] ^= 1;
		fc = io_file(pc, data, n, evict);
		data[n - 5] ^= 1;
		assert_true(fa >= 0 && fb >= 0 && fc >= 0);
		nread = 0;
		assert_int_equal(dedup_compare_fd(NULL, fa, fb, n, &nread,
		    evict ? NULL : iobuf), 0);
		assert_int_equal(nread, 2 * n);
		nread = 0;
		assert_int_equal(dedup_compare_fd(NULL, fa, fc, n, &nread,
		    iobuf), DEDUP_EDIFFERS);
		/* A file longer than the index says changed meanwhile. */
		assert_int_equal(dedup_compare_fd(NULL, fa, fb, n - 1, &nread,
		    iobuf), -ESTALE);
		assert_int_equal(dedup_hash_fd(NULL, fa, n, hex,
		    evict ? hbuf : NULL), 0);
		assert_int_equal(dedup_hash_fd(NULL, fb, n - 1, hex2, NULL),
		    -ESTALE);
		assert_int_equal(dedup_hash_fd(NULL, fb, 0, hex2, NULL),
		    -ESTALE);
		assert_int_equal(dedup_sha256_path(pb, hex2), 0);
		assert_string_equal(hex, hex2);
		assert_int_equal(dedup_hash_fd(NULL, fc, UINT64_MAX, hex2,
		    NULL), 0);
		assert_string_not_equal(hex, hex2);
		close(fa);
		close(fb);
		close(fc);
	}
	unlink(pa);
	unlink(pb);
	unlink(pc);
	rmdir(dir);
	free(iobuf[0]);
	free(iobuf[1]);
	free(hbuf);
	free(data);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_io_cached_and_not),
		cmocka_unit_test_setup_teardown(test_find, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dry_run, setup, teardown),
		cmocka_unit_test_setup_teardown(test_clone_unsupported, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hardlink, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlink, setup, teardown),
		cmocka_unit_test_setup_teardown(test_differs_and_changed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_busy_and_locked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_hf_shared, setup,
		    teardown),
		cmocka_unit_test_teardown(test_crash_recovery, teardown),
		cmocka_unit_test_teardown(test_recover_no_follow, teardown),
		cmocka_unit_test_setup_teardown(test_xfs_clone, xfs_setup,
		    xfs_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
