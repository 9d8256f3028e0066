/* SPDX-License-Identifier: ISC */
/*
 * test_modelstore.c: scanning real Ollama, Hugging Face, LM Studio and local
 * trees built in a temp directory (stores_fixture.h): models, files, known
 * digests, shared inodes, cleanup candidates, warnings for loops and
 * unreadable directories, files vanishing mid-scan, cancelling, saving the
 * index to SQLite, and default root detection from the environment.
 */
#include "config.h"

#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dedup.h"
#include "modelstore.h"
#include "osdep.h"
#include "store.h"
#include "store_cache.h"
#include "test.h"
#include "stores_fixture.h"

/* Fail the test, and tell the compiler the pointer is not NULL after. */
#define REQUIRE(p) do {						\
	assert_non_null(p);						\
	if ((p) == NULL)						\
		return;							\
} while (0)

static struct fx	 fx;
static char		 real[1024];	/* canonical fx.root */

static int
setup(void **state)
{
	(void)state;
	fx_build(&fx, "/tmp", 1024 * 1024);
	char	buf[PATH_MAX];

	if (realpath(fx.root, buf) == NULL)
		return -1;
	fx_fmt(real, sizeof(real), "%s", buf);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	fx_free(&fx);
	return 0;
}

static long
file_at(const struct modelstore_index *idx, const char *rel)
{
	char	p[PATH_MAX];

	fx_fmt(p, sizeof(p), "%s/%s", real, rel);
	return modelstore_index_find(idx, p);
}

static const struct modelstore_model *
model_named(const struct modelstore_index *idx, const char *name,
    const char *rev)
{
	size_t	i;

	for (i = 0; i < idx->nmodels; i++)
		if (strcmp(idx->models[i].name, name) == 0 &&
		    strcmp(idx->models[i].revision, rev) == 0)
			return &idx->models[i];
	return NULL;
}

static const struct modelstore_cleanup *
cleanup_of(const struct modelstore_index *idx,
    enum modelstore_cleanup_kind kind, const char *substr)
{
	size_t	i;

	for (i = 0; i < idx->ncleanup; i++)
		if (idx->cleanup[i].kind == kind &&
		    strstr(idx->cleanup[i].path, substr) != NULL)
			return &idx->cleanup[i];
	return NULL;
}

static int
has_warning(const struct modelstore_index *idx, const char *path_sub,
    const char *msg_sub)
{
	size_t	i;

	for (i = 0; i < idx->nwarnings; i++)
		if (strstr(idx->warnings[i].path, path_sub) != NULL &&
		    strstr(idx->warnings[i].message, msg_sub) != NULL)
			return 1;
	return 0;
}

static void
test_names(void **state)
{
	char	*s;

	(void)state;
	s = modelstore_ollama_name("registry.ollama.ai", "library",
	    "llama3.2", "latest");
	assert_string_equal(s, "llama3.2:latest");
	free(s);
	s = modelstore_ollama_name("registry.ollama.ai", "alice", "m", "v1");
	assert_string_equal(s, "alice/m:v1");
	free(s);
	s = modelstore_ollama_name("hf.co", "bartowski", "X-GGUF", "Q4_K_M");
	assert_string_equal(s, "hf.co/bartowski/X-GGUF:Q4_K_M");
	free(s);
	s = modelstore_ollama_name("localhost:5000", "team", "m", "v1");
	assert_string_equal(s, "localhost:5000/team/m:v1");
	free(s);

	/* Partials only as their writers name them. */
#define HEX64	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	assert_true(modelstore_partial_of(MODELSTORE_OLLAMA,
	    "sha256-" HEX64 "-partial"));
	assert_true(modelstore_partial_of(MODELSTORE_OLLAMA,
	    "sha256-" HEX64 "-partial-3"));
	assert_false(modelstore_partial_of(MODELSTORE_OLLAMA,
	    "sha256-abc-partial"));
	assert_false(modelstore_partial_of(MODELSTORE_OLLAMA,
	    "sha256-" HEX64 "-partial-x"));
	assert_false(modelstore_partial_of(MODELSTORE_OLLAMA,
	    "tiny-partial-merge-q4.gguf"));
	assert_false(modelstore_partial_of(MODELSTORE_OLLAMA,
	    "0123.a1b2c3d4.incomplete"));
	assert_true(modelstore_partial_of(MODELSTORE_HF,
	    "0123.a1b2c3d4.incomplete"));
	assert_false(modelstore_partial_of(MODELSTORE_HF, "x.part"));
	assert_false(modelstore_partial_of(MODELSTORE_HF, ".incomplete"));
	assert_false(modelstore_partial_of(MODELSTORE_LMSTUDIO,
	    "tiny-partial-merge-q4.gguf"));
	assert_false(modelstore_partial_of(MODELSTORE_LMSTUDIO,
	    "x.gguf.incomplete"));
	assert_false(modelstore_partial_of(MODELSTORE_LOCAL,
	    "notes-partial.txt"));
	assert_false(modelstore_partial_of(MODELSTORE_LOCAL, "paper.download"));
	assert_false(modelstore_partial_of(MODELSTORE_LOCAL, "w.gguf.part"));
	assert_false(modelstore_is_partial("model-00001-of-00002.gguf"));
	assert_false(modelstore_is_partial("paper.download"));
	assert_true(modelstore_is_temp(".x.gguf.mlxd-tmp-12-3"));
	assert_false(modelstore_is_temp("x.gguf.mlxd-tmp-12-3"));
	assert_false(modelstore_is_temp(".x.gguf.mlxd-tmp-notes"));
	assert_false(modelstore_is_temp(".x.mlxd-tmp-12-3.txt"));
}

static void
test_scan_index(void **state)
{
	struct modelstore_roots		 roots;
	struct modelstore_index		*idx = NULL;
	const struct modelstore_model	*m;
	const struct modelstore_file	*f, *g;
	const struct modelstore_cleanup	*c;
	char				 rel[PATH_MAX];
	long				 fa, fb, fh, flm, flink, fd, fbeta;
	int				 root = geteuid() == 0;

	(void)state;
	fx_roots(&fx, &roots);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	assert_int_equal(idx->nstores, 4);
	assert_true(idx->stores[0].present);

	/* Ollama: names in display form, blobs with digests from their names. */
	m = model_named(idx, "llama3.2:latest", "");
	REQUIRE(m);
	assert_int_equal(m->nfiles, 3);	/* config, model, template */
	assert_int_equal(m->size, fx.sa + strlen(FX_TMPL) + strlen(FX_CONFIG));
	assert_non_null(model_named(idx, "llama3.2:3b", ""));
	assert_non_null(model_named(idx, "alice/m:v1", ""));
	m = model_named(idx, "hf.co/bartowski/Foo-GGUF:Q4_K_M",
	    "");
	REQUIRE(m);
	assert_int_equal(m->size, fx.sb + strlen(FX_CONFIG));
	assert_null(model_named(idx, "stray", ""));
	fx_fmt(rel, sizeof(rel), "ollama/blobs/sha256-%s", fx.sha_a);
	assert_true((fa = file_at(idx, rel)) >= 0);
	f = &idx->files[fa];
	assert_string_equal(f->sha256, fx.sha_a);
	assert_int_equal(f->digest, MODELSTORE_DIGEST_NAME);
	assert_int_equal(f->role, MODELSTORE_ROLE_OLLAMA_BLOB);
	assert_int_equal(f->size, fx.sa);
	assert_true(f->blocks >= fx.sa);
	fx_fmt(rel, sizeof(rel), "ollama/blobs/sha256-%s", fx.sha_b);
	assert_true((fb = file_at(idx, rel)) >= 0);

	/* HF: one file per blob, sha256 only for 64-hex names, revisions. */
	fx_fmt(rel, sizeof(rel), "hf/hub/models--org--alpha/blobs/%s",
	    fx.sha_a);
	assert_true((fh = file_at(idx, rel)) >= 0);
	assert_string_equal(idx->files[fh].sha256, fx.sha_a);
	assert_int_equal(idx->files[fh].digest, MODELSTORE_DIGEST_HF_BLOB);
	assert_int_equal(idx->files[fh].role, MODELSTORE_ROLE_HF_BLOB);
	fx_fmt(rel, sizeof(rel), "hf/hub/models--org--alpha/blobs/%s",
	    FX_GIT_BLOB);
	assert_true((fd = file_at(idx, rel)) >= 0);
	assert_string_equal(idx->files[fd].sha256, "");
	assert_int_equal(idx->files[fd].digest, MODELSTORE_DIGEST_NONE);
	m = model_named(idx, "org/alpha", FX_REV_MAIN);
	REQUIRE(m);
	assert_string_equal(m->refs, "main");
	assert_false(m->detached);
	assert_int_equal(m->nfiles, 2);
	m = model_named(idx, "org/alpha", FX_REV_OLD);
	REQUIRE(m);
	assert_true(m->detached);
	assert_int_equal(m->nfiles, 2);	/* model.gguf, sub/c.json */
	/* The git blob is referenced by both revisions but indexed once. */
	assert_true(m->files[0].file == (size_t)fd ||
	    m->files[1].file == (size_t)fd);

	/* LM Studio: a copy, a symlink into Ollama (same file), a decoy. */
	assert_non_null(model_named(idx, "lmstudio-community/Alpha-GGUF", ""));
	m = model_named(idx, "lmstudio-community/Beta-GGUF",
	    "");
	REQUIRE(m);
	assert_int_equal(m->nfiles, 1);
	fbeta = (long)m->files[0].file;
	assert_int_equal(fbeta, fb);
	assert_string_equal(m->files[0].name, "beta.gguf");
	flm = file_at(idx, "lms/models/lmstudio-community/Alpha-GGUF/"
	    "alpha-Q4_K_M.gguf");
	assert_true(flm >= 0);
	assert_int_equal(idx->files[flm].role, MODELSTORE_ROLE_LMSTUDIO);
	assert_string_equal(idx->files[flm].sha256, "");
	assert_true(file_at(idx, "lms/models/publisher/decoy/decoy.gguf") >= 0);

	/* Local: the hard link is a second name of the LM Studio inode. */
	flink = file_at(idx, "local/proj/a-link.gguf");
	assert_true(flink >= 0);
	f = &idx->files[flm];
	g = &idx->files[flink];
	assert_int_equal(f->dev, g->dev);
	assert_int_equal(f->ino, g->ino);
	assert_int_equal(g->nlink, 2);
	assert_int_equal(g->role, MODELSTORE_ROLE_LOCAL);
	assert_non_null(model_named(idx, "proj", ""));

	/* Symlink loop: warned, not followed forever. */
	assert_true(has_warning(idx, "loop/self", "already visited"));
	/* The chmod 000 directory: unreadable unless we are root. */
	if (root)
		assert_true(file_at(idx,
		    "lms/models/secret/hidden/tiny.gguf") >= 0);
	else {
		assert_true(has_warning(idx, "secret", "cannot read"));
		assert_true(file_at(idx,
		    "lms/models/secret/hidden/tiny.gguf") < 0);
	}
	/* Nothing partial is indexed as a file. */
	fx_fmt(rel, sizeof(rel), "ollama/blobs/sha256-%s-partial", fx.sha_f);
	assert_true(file_at(idx, rel) < 0);
	assert_int_equal(idx->nfiles, 13 + (root ? 1 : 0));

	/* Cleanup: orphan blob, stale partials, the detached revision. */
	c = cleanup_of(idx, MODELSTORE_CLEANUP_ORPHAN_BLOB,
	    fx.sha_e);
	REQUIRE(c);
	assert_int_equal(c->size, fx.se);
	assert_null(cleanup_of(idx, MODELSTORE_CLEANUP_ORPHAN_BLOB, fx.sha_a));
	assert_null(cleanup_of(idx, MODELSTORE_CLEANUP_ORPHAN_BLOB,
	    fx.sha_tmpl));
	assert_non_null(cleanup_of(idx, MODELSTORE_CLEANUP_STALE_PARTIAL,
	    "-partial"));
	assert_null(cleanup_of(idx, MODELSTORE_CLEANUP_STALE_PARTIAL,
	    "-partial-0"));	/* fresh: a pull in progress */
	assert_non_null(cleanup_of(idx, MODELSTORE_CLEANUP_STALE_PARTIAL,
	    ".incomplete"));
	c = cleanup_of(idx,
	    MODELSTORE_CLEANUP_DETACHED_REVISION, FX_REV_OLD);
	REQUIRE(c);
	assert_int_equal(c->size, fx.sf);	/* the git blob stays in use */
	assert_null(cleanup_of(idx, MODELSTORE_CLEANUP_ORPHAN_BLOB, fx.sha_f));
	assert_int_equal(idx->ncleanup, 4);
	modelstore_index_free(idx);
}

static int64_t
query_int(struct store *st, const char *sql)
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
test_save_index(void **state)
{
	struct modelstore_roots	 roots;
	struct modelstore_index	*idx = NULL;
	struct store		*st = NULL;
	struct store_cache_file	*files = NULL;
	struct stat		 sb;
	char			 db[PATH_MAX + 20], p[PATH_MAX + 100], *cause = NULL;
	size_t			 n = 0, i, unknown = 0;
	char			 sql[512];

	(void)state;
	fx_fmt(db, sizeof(db), "%s/mlxd.db", fx.root);
	assert_int_equal(store_open(db, &st, &cause), 0);
	fx_roots(&fx, &roots);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	assert_int_equal(store_cache_save_index(st, idx), 0);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_files"),
	    (int64_t)idx->nfiles);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_models"),
	    (int64_t)idx->nmodels);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_stores"),
	    4);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_cleanup"),
	    4);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_files "
	    "WHERE digest_source = 'name'"), 5);
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_models "
	    "WHERE detached = 1"), 1);
	/* LM Studio uses the Ollama model whose blob it links to. */
	assert_int_equal(query_int(st, "SELECT COUNT(*) FROM cache_app_models "
	    "am JOIN cache_apps a ON a.id = am.app_id JOIN cache_models m ON "
	    "m.id = am.model_id WHERE a.name = 'lmstudio' AND "
	    "m.name = 'hf.co/bartowski/Foo-GGUF:Q4_K_M'"), 1);

	/* A hash learned for an inode comes back on the next save. */
	fx_fmt(p, sizeof(p), "%s/local/proj/d.gguf", real);
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(store_cache_hash_put(st, (uint64_t)sb.st_dev,
	    (uint64_t)sb.st_ino, (uint64_t)sb.st_size,
	    osdep_stat_mtime_ns(&sb), "ab"
	    "cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"),
	    0);
	assert_int_equal(store_cache_save_index(st, idx), 0);
	fx_fmt(sql, sizeof(sql), "SELECT COUNT(*) FROM cache_files WHERE "
	    "digest_source = 'hash' AND path LIKE '%%/d.gguf'");
	assert_int_equal(query_int(st, sql), 1);
	assert_int_equal(store_cache_files_load(st, 1024 * 1024, &files, &n),
	    0);
	for (i = 0; i < n; i++) {
		assert_true(files[i].size >= 1024 * 1024);
		if (i > 0)
			assert_true(files[i].size >= files[i - 1].size);
		unknown += files[i].sha256[0] == '\0';
	}
	/* A, B, E, F blobs x known; LM copy, decoy, b-copy, a-link unknown. */
	assert_int_equal(n, 10);
	assert_int_equal(unknown, 4);
	store_cache_files_free(files, n);
	modelstore_index_free(idx);
	store_close(st);
	free(cause);
}

static void
test_corrupt_manifest(void **state)
{
	struct modelstore_roots	 roots;
	struct modelstore_index	*idx = NULL;
	char			 p[PATH_MAX + 100];
	const char		*missing = "{\"layers\":[{\"digest\":\"sha256:"
	    "0000000000000000000000000000000000000000000000000000000000000000\""
	    ",\"size\":1}]}";

	(void)state;
	fx_fmt(p, sizeof(p), "%s/manifests/registry.ollama.ai/library/"
	    "broken/latest", fx.ollama);
	fx_write(p, "{\"schemaVersion\":2,\"layers\":[", 29);
	fx_fmt(p, sizeof(p), "%s/manifests/registry.ollama.ai/library/"
	    "missing/latest", fx.ollama);
	fx_write(p, missing, strlen(missing));
	modelstore_roots_init(&roots);
	modelstore_roots_add(&roots, MODELSTORE_OLLAMA, fx.ollama);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	assert_true(has_warning(idx, "broken/latest", "cannot parse"));
	assert_true(has_warning(idx, "missing/latest", "missing blob"));
	/* Like Ollama's prune: no orphan verdicts with a broken manifest. */
	assert_null(cleanup_of(idx, MODELSTORE_CLEANUP_ORPHAN_BLOB, fx.sha_e));
	assert_true(has_warning(idx, "manifests", "orphaned blobs are not"));
	modelstore_index_free(idx);
}

static void
test_hf_shared_and_dup_roots(void **state)
{
	struct modelstore_roots		 roots;
	struct modelstore_index		*idx = NULL;
	const struct modelstore_model	*m;
	const struct modelstore_file	*f;
	struct store			*st = NULL;
	char				 payload[PATH_MAX], p[PATH_MAX];
	char				 db[PATH_MAX], *cause = NULL;
	long				 fi;

	(void)state;
	fx_hf_shared(&fx, "shared weights", 14, payload, sizeof(payload));
	modelstore_roots_init(&roots);
	modelstore_roots_add(&roots, MODELSTORE_HF, fx.hub);
	modelstore_roots_add(&roots, MODELSTORE_HF, fx.hub);
	modelstore_roots_add(&roots, MODELSTORE_LOCAL, fx.hub);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	assert_true(has_warning(idx, "hub", "listed twice"));
	m = model_named(idx, "org/beta", FX_REV_MAIN);
	REQUIRE(m);
	assert_int_equal(m->nfiles, 1);
	/* The per-repo blob is a link into the shared store: index the payload. */
	fx_fmt(p, sizeof(p), "%s/hf/hub/blobs/ab/%s", real, FX_XET);
	fi = modelstore_index_find(idx, p);
	assert_true(fi >= 0);
	assert_int_equal(m->files[0].file, (size_t)fi);
	f = &idx->files[fi];
	assert_int_equal(f->role, MODELSTORE_ROLE_HF_SHARED);
	assert_int_equal(f->digest, MODELSTORE_DIGEST_HF_BLOB);
	assert_int_equal(strlen(f->sha256), 64);
	assert_string_not_equal(f->sha256, FX_XET);
	assert_int_equal(f->size, 14);
	/* Listed twice is still one store's worth of rows. */
	fx_fmt(db, sizeof(db), "%s/mlxd.db", fx.root);
	assert_int_equal(store_open(db, &st, &cause), 0);
	assert_int_equal(store_cache_save_index(st, idx), 0);
	store_close(st);
	modelstore_index_free(idx);
}

struct vanish {
	char	path[PATH_MAX + 100];
	int	calls;
	int	cancel_at;
	int	*cancel;
};

static void
vanish_cb(void *arg, const struct dedup_progress *p)
{
	struct vanish	*v = arg;

	assert_int_equal(p->phase, DEDUP_PHASE_SCAN);
	if (v->calls++ == 0)
		(void)unlink(v->path);
	if (v->cancel != NULL && v->calls >= v->cancel_at)
		*v->cancel = 1;
}

static void
test_vanish_and_cancel(void **state)
{
	struct modelstore_roots	 roots;
	struct modelstore_index	*idx = NULL;
	struct vanish		 v;
	int			 cancel = 0;

	(void)state;
	memset(&v, 0, sizeof(v));
	/* The local store is walked last; its file goes during the scan. */
	fx_fmt(v.path, sizeof(v.path), "%s/proj/b-copy.gguf", fx.local);
	fx_roots(&fx, &roots);
	assert_int_equal(modelstore_scan(&roots, vanish_cb, &v, NULL, &idx),
	    0);
	assert_true(v.calls >= 1);
	assert_true(file_at(idx, "local/proj/b-copy.gguf") < 0);
	assert_true(file_at(idx, "local/proj/d.gguf") >= 0);
	modelstore_index_free(idx);
	idx = NULL;

	memset(&v, 0, sizeof(v));
	fx_fmt(v.path, sizeof(v.path), "%s/does-not-exist", fx.root);
	v.cancel = &cancel;
	v.cancel_at = 1;
	assert_int_equal(modelstore_scan(&roots, vanish_cb, &v, &cancel, &idx),
	    -ECANCELED);
	assert_null(idx);
	modelstore_roots_free(&roots);

	modelstore_roots_init(&roots);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx),
	    -EINVAL);
}

static size_t
count_under(const struct modelstore_roots *roots, enum modelstore_kind kind,
    const char *prefix, const char *suffix)
{
	size_t	i, n = 0;

	for (i = 0; i < roots->n; i++)
		if (roots->v[i].kind == kind &&
		    strncmp(roots->v[i].path, prefix, strlen(prefix)) == 0 &&
		    strstr(roots->v[i].path, suffix) != NULL)
			n++;
	return n;
}

static void
test_detect(void **state)
{
	struct modelstore_roots	 roots;
	char			 home[PATH_MAX + 20], p[PATH_MAX + 100];
	char			 lmhome[PATH_MAX + 20];

	(void)state;
	fx_fmt(home, sizeof(home), "%s/home", fx.root);
	fx_fmt(lmhome, sizeof(lmhome), "%s/lmhome", fx.root);
	fx_fmt(p, sizeof(p), "%s/.ollama/models", home);
	fx_mkdirs(p);
	fx_fmt(p, sizeof(p), "%s/.cache/huggingface/hub", home);
	fx_mkdirs(p);
	fx_fmt(p, sizeof(p), "%s/.lmstudio/models", home);
	fx_mkdirs(p);
	fx_fmt(p, sizeof(p), "%s/models", lmhome);
	fx_mkdirs(p);
	fx_fmt(p, sizeof(p), "%s/.lmstudio-home-pointer", home);
	fx_write(p, lmhome, strlen(lmhome));
	setenv("HOME", home, 1);
	unsetenv("OLLAMA_MODELS");
	unsetenv("HF_HUB_CACHE");
	unsetenv("HUGGINGFACE_HUB_CACHE");
	unsetenv("HF_HOME");
	unsetenv("XDG_CACHE_HOME");
	unsetenv("XDG_CONFIG_HOME");

	modelstore_roots_init(&roots);
	assert_int_equal(modelstore_roots_detect(&roots), 0);
	assert_int_equal(count_under(&roots, MODELSTORE_OLLAMA, home,
	    "/.ollama/models"), 1);
	assert_int_equal(count_under(&roots, MODELSTORE_HF, home,
	    "/.cache/huggingface/hub"), 1);
	assert_int_equal(count_under(&roots, MODELSTORE_LMSTUDIO, lmhome,
	    "/models"), 1);
	assert_int_equal(count_under(&roots, MODELSTORE_LMSTUDIO, home,
	    "/.lmstudio/models"), 1);
	modelstore_roots_free(&roots);

	/* Environment overrides. */
	setenv("OLLAMA_MODELS", fx.ollama, 1);
	fx_fmt(p, sizeof(p), "%s/hf", fx.root);
	setenv("HF_HOME", p, 1);
	modelstore_roots_init(&roots);
	assert_int_equal(modelstore_roots_detect(&roots), 0);
	assert_int_equal(count_under(&roots, MODELSTORE_OLLAMA, fx.ollama,
	    ""), 1);
	assert_int_equal(count_under(&roots, MODELSTORE_OLLAMA, home, ""), 0);
	assert_int_equal(count_under(&roots, MODELSTORE_HF, fx.hub, ""), 1);
	modelstore_roots_free(&roots);

	unsetenv("HOME");
	modelstore_roots_init(&roots);
	assert_int_equal(modelstore_roots_detect(&roots), -ENOENT);
	modelstore_roots_free(&roots);
}

/*
 * Hostile neighbours: a user's files named like partials in LM Studio and
 * local folders, an HF snapshot folder and a local model that are symlinks
 * to a folder outside every store, and a stale temp name reached through
 * that link. Roles follow where files really are; no user file is a
 * cleanup candidate.
 */
static void
test_hostile_roles(void **state)
{
	struct modelstore_roots	 roots;
	struct modelstore_index	*idx = NULL;
	const struct modelstore_file *f;
	char			 p[PATH_MAX], q[PATH_MAX];
	long			 fi;
	size_t			 i;

	(void)state;
	fx_fmt(p, sizeof(p), "%s/outside/snapdir/mydoc.bin", fx.root);
	fx_write(p, fx.a, fx.sa);
	fx_fmt(p, sizeof(p), "%s/outside/snapdir/.w.gguf.mlxd-tmp-1-2",
	    fx.root);
	fx_write(p, "x", 1);
	fx_age(p, 3);
	fx_fmt(p, sizeof(p), "%s/outside/snapdir", fx.root);
	fx_fmt(q, sizeof(q), "%s/models--org--evil/snapshots/"
	    "4444444444444444444444444444444444444444", fx.hub);
	fx_symlink(p, q);
	fx_fmt(q, sizeof(q), "%s/linked", fx.local);
	fx_symlink(p, q);
	fx_fmt(p, sizeof(p), "%s/pub/tiny-GGUF/tiny-partial-merge-q4.gguf",
	    fx.lms);
	fx_write(p, fx.b, fx.sb);
	fx_age(p, 3);
	fx_fmt(p, sizeof(p), "%s/paper.download", fx.local);
	fx_write(p, "%PDF", 4);
	fx_age(p, 3);
	fx_fmt(p, sizeof(p), "%s/mine/notes-partial.txt", fx.local);
	fx_write(p, "notes", 5);
	fx_age(p, 3);

	fx_roots(&fx, &roots);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	REQUIRE(idx);
	assert_true((fi = file_at(idx, "outside/snapdir/mydoc.bin")) >= 0);
	assert_int_equal(idx->files[fi].role, MODELSTORE_ROLE_EXTERNAL);
	for (i = 0; i < idx->nfiles; i++) {
		f = &idx->files[i];
		if (strstr(f->path, "/outside/") != NULL)
			assert_int_equal(f->role, MODELSTORE_ROLE_EXTERNAL);
	}
	fi = file_at(idx, "lms/models/pub/tiny-GGUF/tiny-partial-merge-q4.gguf");
	assert_true(fi >= 0);
	assert_int_equal(idx->files[fi].role, MODELSTORE_ROLE_LMSTUDIO);
	assert_true(file_at(idx, "local/paper.download") >= 0);
	assert_true(file_at(idx, "local/mine/notes-partial.txt") >= 0);
	for (i = 0; i < idx->ncleanup; i++) {
		assert_null(strstr(idx->cleanup[i].path, "/outside/"));
		assert_null(strstr(idx->cleanup[i].path, "tiny-partial"));
		assert_null(strstr(idx->cleanup[i].path, "paper.download"));
		assert_null(strstr(idx->cleanup[i].path, "notes-partial"));
	}
	modelstore_index_free(idx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test_setup_teardown(test_scan_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_save_index, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_manifest, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_vanish_and_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_detect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hf_shared_and_dup_roots,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_roles, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
