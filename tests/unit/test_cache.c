/* SPDX-License-Identifier: ISC */
/*
 * test_cache.c: the cache service's pure parts: Ollama name parsing as
 * Ollama does it, model refs and name matching, add-URI checks, which linked
 * app uses which model, the registered folders and apps in the store, and
 * rescans that leave an unchanged index as it is.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "cache.h"
#include "cache_int.h"
#include "modelstore.h"
#include "store.h"
#include "store_cache.h"
#include "test.h"
#include "where.h"

static char	dir[] = "/tmp/mlxd-test-cache-XXXXXX";

static int
setup(void **state)
{
	(void)state;
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	char	*real;
	int	 rc;

	(void)state;
	/* cache_rmtree takes a canonical path (/tmp is a link on macOS). */
	if ((real = realpath(dir, NULL)) == NULL)
		return -1;
	rc = cache_rmtree(real);
	free(real);
	return rc;
}

static void
write_file(const char *path, const char *data)
{
	FILE	*f = fopen(path, "w");

	assert_non_null(f);
	fputs(data, f);
	fclose(f);
}

static void
test_ollama_parse(void **state)
{
	char	host[351], ns[81], model[81], tag[81];

	(void)state;
	assert_int_equal(cache_ollama_parse("llama3.2", host, ns, model, tag),
	    0);
	assert_string_equal(host, "registry.ollama.ai");
	assert_string_equal(ns, "library");
	assert_string_equal(model, "llama3.2");
	assert_string_equal(tag, "latest");
	assert_int_equal(cache_ollama_parse("alice/m:v1", host, ns, model,
	    tag), 0);
	assert_string_equal(ns, "alice");
	assert_string_equal(model, "m");
	assert_string_equal(tag, "v1");
	/* A colon before the last '/' is a port, not a tag. */
	assert_int_equal(cache_ollama_parse("localhost:5000/ns/m", host, ns,
	    model, tag), 0);
	assert_string_equal(host, "localhost:5000");
	assert_string_equal(tag, "latest");
	assert_int_equal(cache_ollama_parse("hf.co/org/repo:Q4_K_M", host, ns,
	    model, tag), 0);
	assert_string_equal(host, "hf.co");
	assert_string_equal(ns, "org");
	assert_string_equal(model, "repo");
	assert_string_equal(tag, "Q4_K_M");
	assert_int_equal(cache_ollama_parse("https://reg.example/a/b:c", host,
	    ns, model, tag), 0);
	assert_string_equal(host, "reg.example");
	assert_int_equal(cache_ollama_parse("bad name", host, ns, model, tag),
	    -EINVAL);
	assert_int_equal(cache_ollama_parse("a/b/c/d", host, ns, model, tag),
	    -EINVAL);
	assert_int_equal(cache_ollama_parse("ns.dot/m", host, ns, model, tag),
	    -EINVAL);
	assert_int_equal(cache_ollama_parse("-m", host, ns, model, tag),
	    -EINVAL);
	assert_int_equal(cache_ollama_parse("m:", host, ns, model, tag),
	    -EINVAL);
}

static void
test_model_match(void **state)
{
	const char	*c = "1111111111111111111111111111111111111111";
	char		*ref;

	(void)state;
	ref = store_cache_model_ref(MODELSTORE_HF, "org/a", c);
	assert_string_equal(ref, "hf:org/a@1111111111111111111111111111111111111111");
	free(ref);
	ref = store_cache_model_ref(MODELSTORE_OLLAMA, "llama3.2:latest", "");
	assert_string_equal(ref, "ollama:llama3.2:latest");
	assert_true(cache_model_match(ref, MODELSTORE_OLLAMA,
	    "llama3.2:latest", "", ""));
	free(ref);
	assert_true(cache_model_match("llama3.2", MODELSTORE_OLLAMA,
	    "llama3.2:latest", "", ""));
	assert_true(cache_model_match("registry.ollama.ai/library/LLAMA3.2",
	    MODELSTORE_OLLAMA, "llama3.2:latest", "", ""));
	assert_false(cache_model_match("llama3.2", MODELSTORE_OLLAMA,
	    "llama3.2:1b", "", ""));
	assert_false(cache_model_match("hf:llama3.2:latest", MODELSTORE_OLLAMA,
	    "llama3.2:latest", "", ""));
	assert_true(cache_model_match("hf:org/a@main", MODELSTORE_HF, "org/a",
	    c, "v1,main"));
	assert_true(cache_model_match("org/a@1111111", MODELSTORE_HF, "org/a",
	    c, ""));
	assert_false(cache_model_match("org/a@111", MODELSTORE_HF, "org/a", c,
	    ""));
	assert_false(cache_model_match("org/a@dev", MODELSTORE_HF, "org/a", c,
	    "main"));
	assert_true(cache_model_match("org/a", MODELSTORE_HF, "org/a", c,
	    "main"));
	assert_true(cache_model_match("lmstudio:pub/m", MODELSTORE_LMSTUDIO,
	    "pub/m", "", ""));
	assert_false(cache_model_match("local:pub/m", MODELSTORE_LMSTUDIO,
	    "pub/m", "", ""));
}

static void
test_add_check(void **state)
{
	char	 sp[256], uri[600], file[256], *path = NULL, *cause = NULL;

	(void)state;
	snprintf(sp, sizeof(sp), "%s/with space", dir);
	assert_int_equal(mkdir(sp, 0755), 0);
	snprintf(uri, sizeof(uri), "file://%s/with%%20space", dir);
	assert_int_equal(cache_add_check(uri, &path, &cause), 0);
	assert_non_null(path);
	assert_string_equal(path, sp);
	free(path);
	path = NULL;
	/* Only two hex digits make an escape: "%:0" is three characters. */
	snprintf(sp, sizeof(sp), "%s/%%:0", dir);
	assert_int_equal(mkdir(sp, 0755), 0);
	snprintf(uri, sizeof(uri), "file://%s/%%:0", dir);
	assert_int_equal(cache_add_check(uri, &path, &cause), 0);
	assert_string_equal(path, sp);
	free(path);
	path = NULL;
	snprintf(file, sizeof(file), "%s/f.gguf", dir);
	write_file(file, "GGUF");
	snprintf(uri, sizeof(uri), "file://%s", file);
	assert_int_equal(cache_add_check(uri, &path, &cause), -ENOTDIR);
	free(cause);
	cause = NULL;
	assert_int_equal(cache_add_check("file:///no/such/dir", &path, &cause),
	    -ENOENT);
	free(path);
	free(cause);
	path = cause = NULL;
	assert_int_equal(cache_add_check("file://relative", &path, &cause),
	    -EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(cache_add_check("ollama://llama3.2:1b", &path,
	    &cause), 0);
	assert_null(path);
	assert_int_equal(cache_add_check("ollama://bad name", &path, &cause),
	    -EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(cache_add_check("hf://org/repo@v1", &path, &cause),
	    0);
	assert_int_equal(cache_add_check("hf://bad--repo", &path, &cause),
	    -EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(cache_add_check("s3://bucket", &path, &cause),
	    -EINVAL);
	free(cause);
	cause = NULL;
	assert_int_equal(cache_add_check("", &path, &cause), -EINVAL);
	free(cause);
}

/* file:// folders: canonical, and never /, $HOME and above, system ones. */
static void
test_where_folders(void **state)
{
	char	 home[256], sub[300], link[300], uri[700], *path = NULL;
	char	*cause = NULL, *old = NULL;
	size_t	 i;
	static const char *const refused[] = {
		"file:///", "file:///etc", "file:///usr", "file:///tmp",
		"file:///usr/lib", "file:///proc/self", "file:///var",
	};

	(void)state;
	if (getenv("HOME") != NULL)
		old = strdup(getenv("HOME"));
	snprintf(home, sizeof(home), "%s/home", dir);
	snprintf(sub, sizeof(sub), "%s/models", home);
	assert_int_equal(mkdir(home, 0755), 0);
	assert_int_equal(mkdir(sub, 0755), 0);
	setenv("HOME", home, 1);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		assert_int_equal(cache_add_check(refused[i], &path, &cause),
		    -EPERM);
		assert_null(path);
		assert_non_null(cause);
		free(cause);
		cause = NULL;
	}
	/* $HOME itself, the folder above it, and through a link. */
	snprintf(uri, sizeof(uri), "file://%s", home);
	assert_int_equal(cache_add_check(uri, &path, &cause), -EPERM);
	free(cause);
	snprintf(uri, sizeof(uri), "file://%s", dir);
	assert_int_equal(cache_add_check(uri, &path, &cause), -EPERM);
	free(cause);
	snprintf(link, sizeof(link), "%s/homelink", dir);
	assert_int_equal(symlink(home, link), 0);
	snprintf(uri, sizeof(uri), "file://%s", link);
	assert_int_equal(cache_add_check(uri, &path, &cause), -EPERM);
	free(cause);
	/* Dot segments, plain or percent-encoded. */
	snprintf(uri, sizeof(uri), "file://%s/models/%%2e%%2e/", home);
	assert_int_equal(cache_add_check(uri, &path, &cause), -EINVAL);
	free(cause);
	snprintf(uri, sizeof(uri), "file://%s/models/../models", home);
	assert_int_equal(cache_add_check(uri, &path, &cause), -EINVAL);
	free(cause);
	snprintf(uri, sizeof(uri), "file://%s/./models", home);
	assert_int_equal(cache_add_check(uri, &path, &cause), -EINVAL);
	free(cause);
	cause = NULL;
	/* A folder under $HOME is fine, by its canonical path. */
	snprintf(uri, sizeof(uri), "file://%s/models/", link);
	assert_int_equal(cache_add_check(uri, &path, &cause), 0);
	assert_string_equal(path, sub);
	free(path);
	if (old != NULL)
		setenv("HOME", old, 1);
	free(old);
}

/* Canonical forms: the folder resolved, the last component not. */
static void
test_where_paths(void **state)
{
	char	 d[256], l[300], f[400], want[400], *r;

	(void)state;
	snprintf(d, sizeof(d), "%s/real", dir);
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(f, sizeof(f), "%s/file", d);
	write_file(f, "x");
	snprintf(l, sizeof(l), "%s/alias", dir);
	assert_int_equal(symlink(d, l), 0);
	snprintf(f, sizeof(f), "%s/file", l);
	r = where_resolve(f);
	snprintf(want, sizeof(want), "%s/file", d);
	assert_string_equal(r, want);
	assert_false(where_unchanged(f));
	assert_true(where_unchanged(r));
	free(r);
	/* The last component is not followed. */
	r = where_resolve(l);
	assert_string_equal(r, l);
	free(r);
	/* A folder against mlxd's data dir, named through a link. */
	assert_true(where_overlaps(d, l));
	assert_true(where_overlaps(dir, l));
	assert_true(where_overlaps(want, l));
	assert_false(where_overlaps("/elsewhere", l));
	snprintf(f, sizeof(f), "%sx", d);
	assert_false(where_overlaps(f, l));
	assert_false(where_overlaps(d, "/no/such/folder"));
	assert_true(where_under("/a/b/c", "/a/b"));
	assert_false(where_under("/a/bc", "/a/b"));
	assert_false(where_under("/a/b", "/a/b"));
	assert_false(where_under("/a/b/", "/a/b"));
	assert_true(where_under("/x", "/"));
	assert_null(where_resolve("relative/x"));
}

/*
 * Acting on a recorded path never follows a folder that became a symlink:
 * cache_rmtree, where_unlink and where_open_parent walk with O_NOFOLLOW.
 */
static void
test_where_no_follow(void **state)
{
	char		 p[600], keep[600], *real;
	const char	*base;
	struct stat	 sb;
	int		 fd, rc;

	(void)state;
	assert_non_null(real = realpath(dir, NULL));
	snprintf(p, sizeof(p), "%s/outside", real);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/outside/rev", real);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(keep, sizeof(keep), "%s/outside/rev/mine.txt", real);
	write_file(keep, "mine");
	snprintf(p, sizeof(p), "%s/store", real);
	assert_int_equal(mkdir(p, 0755), 0);
	snprintf(p, sizeof(p), "%s/store/own.bin", real);
	write_file(p, "own");
	/* A store folder swapped for a link to the user's folder. */
	snprintf(p, sizeof(p), "%s/outside", real);
	snprintf(keep + 300, 300, "%s/store/snapshots", real);
	assert_int_equal(symlink(p, keep + 300), 0);
	snprintf(keep, sizeof(keep), "%s/outside/rev/mine.txt", real);

	snprintf(p, sizeof(p), "%s/store/snapshots/rev", real);
	assert_true(cache_rmtree(p) < 0);
	assert_int_equal(stat(keep, &sb), 0);
	snprintf(p, sizeof(p), "%s/store/snapshots/rev/mine.txt", real);
	assert_true(where_unlink(p) < 0);
	assert_int_equal(stat(keep, &sb), 0);
	assert_true(where_open_parent(p, &base) < 0);
	/* The real folder opens; its last component is the base name. */
	snprintf(p, sizeof(p), "%s/store/own.bin", real);
	assert_true((fd = where_open_parent(p, &base)) >= 0);
	assert_string_equal(base, "own.bin");
	assert_int_equal(fstatat(fd, base, &sb, AT_SYMLINK_NOFOLLOW), 0);
	close(fd);
	assert_int_equal(where_open_parent("/a/../b", &base), -EINVAL);
	assert_int_equal(where_open_parent("/a//b", &base), -EINVAL);
	assert_int_equal(where_open_parent("/a/b/", &base), -EINVAL);
	assert_int_equal(where_open_parent("a/b", &base), -EINVAL);
	/* Writing below a root: no component may be a link. */
	snprintf(p, sizeof(p), "%s/store", real);
	snprintf(keep + 300, 300, "%s/store/snapshots/rev/new", real);
	rc = where_real_below(p, keep + 300);
	assert_true(rc == -ELOOP || rc == -ENOTDIR);
	snprintf(keep + 300, 300, "%s/store/blobs/new", real);
	assert_int_equal(where_real_below(p, keep + 300), 0);
	assert_int_equal(where_real_below(p, p), 0);
	assert_int_equal(where_real_below(p, "/elsewhere"), -EINVAL);
	snprintf(keep + 300, 300, "%s/store/../outside", real);
	assert_int_equal(where_real_below(p, keep + 300), -EINVAL);
	/* The whole store goes; the link does, never what it points to. */
	snprintf(p, sizeof(p), "%s/store", real);
	assert_int_equal(cache_rmtree(p), 0);
	assert_int_equal(lstat(p, &sb), -1);
	assert_int_equal(stat(keep, &sb), 0);
	free(real);
}

/* One validator for app names. */
static void
test_app_names(void **state)
{
	char	 big[200];

	(void)state;
	assert_true(cache_app_name_ok("comfy"));
	assert_true(cache_app_name_ok("ComfyUI 2"));
	assert_true(cache_app_name_ok("\xe6\x97\xa5\xe6\x9c\xac"));
	assert_true(cache_app_name_ok(".hidden"));
	assert_true(cache_app_name_ok("..x"));
	assert_false(cache_app_name_ok(""));
	assert_false(cache_app_name_ok("."));
	assert_false(cache_app_name_ok(".."));
	assert_false(cache_app_name_ok("a/b"));
	assert_false(cache_app_name_ok("/"));
	assert_false(cache_app_name_ok("tab\there"));
	assert_false(cache_app_name_ok("nl\n"));
	assert_false(cache_app_name_ok("del\x7f"));
	assert_false(cache_app_name_ok("\xc2\x85"));	/* C1 control */
	assert_false(cache_app_name_ok("\xc0\xaf"));	/* overlong '/' */
	assert_false(cache_app_name_ok("\xed\xa0\x80"));	/* surrogate */
	assert_false(cache_app_name_ok("\xe6\x97"));	/* cut short */
	assert_false(cache_app_name_ok("\xff"));
	assert_false(cache_app_name_ok(NULL));
	memset(big, 'x', sizeof(big));
	big[128] = '\0';
	assert_true(cache_app_name_ok(big));
	big[128] = 'x';
	big[129] = '\0';
	assert_false(cache_app_name_ok(big));
}

/*
 * A local root with models m1 (w.gguf) and m2 (x.gguf); app "a" links to
 * m1's file, app "b" holds a hard link of m2's, app "c" uses nothing.
 */
static void
test_usage_and_store(void **state)
{
	struct modelstore_roots		 roots;
	struct modelstore_index		*idx = NULL;
	struct store_cache_app		 apps[3];
	struct store_cache_usage	*u = NULL;
	struct store_cache_app		*got = NULL;
	struct store			*st = NULL;
	char				 p[7][256], f[512], g[512];
	char				*cause = NULL;
	char				**v = NULL;
	json_t				*o = NULL, *a;
	size_t				 n = 0, i;
	int				 seen[3] = { 0, 0, 0 };

	(void)state;
	snprintf(p[0], sizeof(p[0]), "%s/root", dir);
	snprintf(p[1], sizeof(p[1]), "%s/root/m1", dir);
	snprintf(p[2], sizeof(p[2]), "%s/root/m2", dir);
	snprintf(p[3], sizeof(p[3]), "%s/apps/a", dir);
	snprintf(p[4], sizeof(p[4]), "%s/apps/b", dir);
	snprintf(p[5], sizeof(p[5]), "%s/apps/c", dir);
	snprintf(p[6], sizeof(p[6]), "%s/apps", dir);
	assert_int_equal(mkdir(p[0], 0755), 0);
	assert_int_equal(mkdir(p[1], 0755), 0);
	assert_int_equal(mkdir(p[2], 0755), 0);
	assert_int_equal(mkdir(p[6], 0755), 0);
	assert_int_equal(mkdir(p[3], 0755), 0);
	assert_int_equal(mkdir(p[4], 0755), 0);
	assert_int_equal(mkdir(p[5], 0755), 0);
	snprintf(f, sizeof(f), "%s/w.gguf", p[1]);
	write_file(f, "GGUF one");
	snprintf(g, sizeof(g), "%s/link.gguf", p[3]);
	assert_int_equal(symlink(f, g), 0);
	snprintf(f, sizeof(f), "%s/x.gguf", p[2]);
	write_file(f, "GGUF two");
	snprintf(g, sizeof(g), "%s/hard.gguf", p[4]);
	assert_int_equal(link(f, g), 0);
	snprintf(g, sizeof(g), "%s/own.gguf", p[5]);
	write_file(g, "GGUF two");	/* same bytes, another file */

	modelstore_roots_init(&roots);
	modelstore_roots_add(&roots, MODELSTORE_LOCAL, p[0]);
	assert_int_equal(modelstore_scan(&roots, NULL, NULL, NULL, &idx), 0);
	modelstore_roots_free(&roots);
	assert_int_equal(idx->nmodels, 2);
	for (i = 0; i < 3; i++) {
		apps[i].id = (int64_t)i + 1;
		apps[i].path = p[3 + i];
	}
	cache_work_usage(idx, apps, 3, &u, &n);
	assert_int_equal(n, 2);
	for (i = 0; i < n; i++) {
		seen[u[i].app_id - 1]++;
		assert_string_equal(idx->models[u[i].model].name,
		    u[i].app_id == 1 ? "m1" : "m2");
	}
	assert_int_equal(seen[0], 1);
	assert_int_equal(seen[1], 1);
	assert_int_equal(seen[2], 0);

	/* The registered folders and apps, and usage saved with an index. */
	snprintf(p[6], sizeof(p[6]), "%s/mlxd.db", dir);
	assert_int_equal(store_open(p[6], &st, &cause), 0);
	assert_int_equal(store_cache_root_add(st, p[0]), 0);
	assert_int_equal(store_cache_root_add(st, p[0]), -EEXIST);
	assert_int_equal(store_cache_roots_list(st, &v, &i), 0);
	assert_int_equal(i, 1);
	assert_string_equal(v[0], p[0]);
	store_cache_strings_free(v, i);
	assert_int_equal(store_cache_root_remove(st, "/nope"), -ENOENT);
	assert_int_equal(store_cache_app_add(st, "a", p[3]), 0);
	assert_int_equal(store_cache_app_add(st, "b", p[4]), 0);
	assert_int_equal(store_cache_app_add(st, "a", p[5]), -EEXIST);
	assert_int_equal(store_cache_apps_list(st, &got, &i), 0);
	assert_int_equal(i, 2);
	/* Usage rows name app ids from the store. */
	for (i = 0; i < n; i++)
		u[i].app_id = got[u[i].app_id - 1].id;
	store_cache_apps_free(got, 2);
	assert_int_equal(store_cache_save_scan(st, idx, u, n), 0);
	assert_int_equal(store_cache_apps_json(st, &o), 0);
	a = json_object_get(o, "apps");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(json_array_get(a, 0), "models"), 0), "ref")),
	    "local:m1");
	json_decref(o);
	assert_int_equal(store_cache_models_json(st, &o), 0);
	a = json_object_get(o, "models");
	assert_int_equal(json_array_size(a), 2);
	for (i = 0; i < 2; i++) {
		assert_int_equal(json_array_size(json_object_get(json_array_get(
		    a, i), "registered_apps")), 1);
		assert_false(json_is_true(json_object_get(json_array_get(a, i),
		    "shares_bytes")));
	}
	json_decref(o);
	/* Unlinking drops the app's usage with it. */
	assert_int_equal(store_cache_app_remove(st, "a"), 0);
	assert_int_equal(store_cache_app_remove(st, "a"), -ENOENT);
	assert_int_equal(store_cache_apps_json(st, &o), 0);
	assert_int_equal(json_array_size(json_object_get(o, "apps")), 1);
	json_decref(o);
	store_close(st);
	cache_usage_free(u, n);
	modelstore_index_free(idx);
}

static int64_t
sig_query(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 v = -1;

	if (sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
	    sqlite3_step(stmt) == SQLITE_ROW)
		v = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return v;
}

static struct modelstore_index *
sig_scan(const char *root)
{
	struct modelstore_roots		 roots;
	struct modelstore_index		*idx = NULL;

	modelstore_roots_init(&roots);
	modelstore_roots_add(&roots, MODELSTORE_LOCAL, root);
	if (modelstore_scan(&roots, NULL, NULL, NULL, &idx) != 0)
		idx = NULL;
	modelstore_roots_free(&roots);
	return idx;
}

/*
 * A rescan that finds the index as the last save left it rewrites nothing
 * but the stores' scan times; any change to the files, or to the usage
 * rows, rewrites the tables; an unknown signature always does.
 */
static void
test_save_sig(void **state)
{
	struct store_cache_sig		 sig;
	struct store_cache_usage	 u;
	struct modelstore_index		*idx;
	struct store			*st = NULL;
	char				 root[256], f[512], db[256];
	char				*cause = NULL;
	int				 rewrote, changes;

	(void)state;
	snprintf(root, sizeof(root), "%s/sigroot", dir);
	assert_int_equal(mkdir(root, 0755), 0);
	snprintf(f, sizeof(f), "%s/m1", root);
	assert_int_equal(mkdir(f, 0755), 0);
	snprintf(f, sizeof(f), "%s/m1/w.gguf", root);
	write_file(f, "GGUF one");
	snprintf(db, sizeof(db), "%s/sig.db", dir);
	assert_int_equal(store_open(db, &st, &cause), 0);
	memset(&sig, 0, sizeof(sig));

	idx = sig_scan(root);
	assert_non_null(idx);
	assert_int_equal(store_cache_save_scan_sig(st, idx, NULL, 0, &sig,
	    &rewrote), 0);
	assert_int_equal(rewrote, 1);
#if HAVE_LIBCRYPTO
	assert_true(sig.valid);
#endif
	modelstore_index_free(idx);
	assert_int_equal(sig_query(st, "SELECT COUNT(*) FROM cache_files"), 1);

	/* The same tree again: only scanned_at moves. */
	assert_int_equal(sqlite3_exec(st->db, "UPDATE cache_stores SET "
	    "scanned_at = 0", NULL, NULL, NULL), SQLITE_OK);
	idx = sig_scan(root);
	assert_non_null(idx);
	changes = sqlite3_total_changes(st->db);
	assert_int_equal(store_cache_save_scan_sig(st, idx, NULL, 0, &sig,
	    &rewrote), 0);
#if HAVE_LIBCRYPTO
	assert_int_equal(rewrote, 0);
	assert_int_equal(sqlite3_total_changes(st->db) - changes, 1);
	assert_true(sig.valid);
#else
	assert_int_equal(rewrote, 1);
#endif
	assert_true(sig_query(st, "SELECT MIN(scanned_at) FROM "
	    "cache_stores") > 0);

	/* Other usage rows: rewritten. */
	u.app_id = 1;
	u.model = 0;
	u.via = NULL;
	assert_int_equal(store_cache_app_add(st, "a", root), 0);
	assert_int_equal(store_cache_save_scan_sig(st, idx, &u, 1, &sig,
	    &rewrote), 0);
	assert_int_equal(rewrote, 1);
	assert_int_equal(sig_query(st, "SELECT COUNT(*) FROM "
	    "cache_user_app_models"), 1);
	modelstore_index_free(idx);

	/* A new file: rewritten, and indexed. */
	snprintf(f, sizeof(f), "%s/m1/x.gguf", root);
	write_file(f, "GGUF two");
	idx = sig_scan(root);
	assert_non_null(idx);
	assert_int_equal(store_cache_save_scan_sig(st, idx, &u, 1, &sig,
	    &rewrote), 0);
	assert_int_equal(rewrote, 1);
	assert_int_equal(sig_query(st, "SELECT COUNT(*) FROM cache_files"), 2);

	/* Not known (a new process): rewritten even when unchanged. */
	sig.valid = 0;
	changes = sqlite3_total_changes(st->db);
	assert_int_equal(store_cache_save_scan_sig(st, idx, &u, 1, &sig,
	    &rewrote), 0);
	assert_int_equal(rewrote, 1);
	assert_true(sqlite3_total_changes(st->db) - changes > 1);
	modelstore_index_free(idx);
	store_close(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ollama_parse),
		cmocka_unit_test(test_model_match),
		cmocka_unit_test(test_add_check),
		cmocka_unit_test(test_where_folders),
		cmocka_unit_test(test_where_paths),
		cmocka_unit_test(test_where_no_follow),
		cmocka_unit_test(test_app_names),
		cmocka_unit_test(test_usage_and_store),
		cmocka_unit_test(test_save_sig),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
