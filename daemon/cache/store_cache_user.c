/* SPDX-License-Identifier: ISC */
/*
 * store_cache_user.c: what the user registers with the model cache (local
 * folders added with file://, linked app folders; schema/0005_cache_apps.sql)
 * and the read-only queries behind GET /v1/cache and /v1/cache/apps.
 *
 * Called on the loop thread with the daemon's main connection, or on the
 * cache worker with its own; every function copies what it returns. The
 * index tables it reads are rewritten as a whole by each scan (store_cache.c),
 * so a reader sees either the old or the new index, never a mix.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sqlite3.h>

#include "log.h"
#include "modelstore.h"
#include "timeutil.h"
#include "store.h"
#include "store_cache.h"
#include "xmalloc.h"

#define SCU_MAX_WARNINGS	200

static int
scu_fail(struct store *st, int rc, const char *what)
{
	log_warnx("store: cache: %s: %s", what, sqlite3_errmsg(st->db));
	return store_errno(rc);
}

static int
scu_prepare(struct store *st, const char *sql, sqlite3_stmt **stmtp)
{
	int	rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, stmtp, NULL);
	if (rc != SQLITE_OK) {
		*stmtp = NULL;
		return scu_fail(st, rc, "prepare");
	}
	return 0;
}

static const char *
scu_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char	*t = sqlite3_column_text(stmt, col);

	return t != NULL ? (const char *)t : "";
}

/* Run a statement with one or two text parameters and no result rows. */
static int
scu_exec2(struct store *st, const char *sql, const char *a, const char *b,
    int *changesp)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = scu_prepare(st, sql, &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, a, -1, SQLITE_STATIC);
	if (b != NULL)
		sqlite3_bind_text(stmt, 2, b, -1, SQLITE_STATIC);
	sqlite3_bind_int64(stmt, b != NULL ? 3 : 2, (sqlite3_int64)time(NULL));
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_DONE) {
		rc = 0;
		if (changesp != NULL)
			*changesp = sqlite3_changes(st->db);
	} else if ((rc & 0xff) == SQLITE_CONSTRAINT)
		rc = -EEXIST;
	else
		rc = scu_fail(st, rc, "write");
	sqlite3_finalize(stmt);
	return rc;
}

/* The API's name for a model. */
char *
store_cache_model_ref(enum modelstore_kind kind, const char *name,
    const char *revision)
{
	if (revision != NULL && *revision != '\0')
		return xasprintf("%s:%s@%s", modelstore_kind_name(kind), name,
		    revision);
	return xasprintf("%s:%s", modelstore_kind_name(kind), name);
}

/* Local folders added with file://. */
int
store_cache_roots_list(struct store *st, char ***pathsp, size_t *np)
{
	sqlite3_stmt	*stmt = NULL;
	char		**v = NULL;
	size_t		 n = 0;
	int		 rc;

	if ((rc = scu_prepare(st, "SELECT path FROM cache_roots ORDER BY id",
	    &stmt)) != 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n++] = xstrdup(scu_text(stmt, 0));
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list roots");
		sqlite3_finalize(stmt);
		store_cache_strings_free(v, n);
		return rc;
	}
	sqlite3_finalize(stmt);
	*pathsp = v;
	*np = n;
	return 0;
}

/* Free an array of strings. */
void
store_cache_strings_free(char **v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* Register a local folder. */
int
store_cache_root_add(struct store *st, const char *path)
{
	return scu_exec2(st, "INSERT INTO cache_roots (path, added_at) "
	    "VALUES (?, ?)", path, NULL, NULL);
}

/* Forget a local folder. */
int
store_cache_root_remove(struct store *st, const char *path)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = scu_prepare(st, "DELETE FROM cache_roots WHERE path = ?",
	    &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = sqlite3_changes(st->db) > 0 ? 0 : -ENOENT;
	else
		rc = scu_fail(st, rc, "remove root");
	sqlite3_finalize(stmt);
	return rc;
}

/* Linked apps, by name. */
int
store_cache_apps_list(struct store *st, struct store_cache_app **appsp,
    size_t *np)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_cache_app	*v = NULL, *a;
	size_t			 n = 0;
	int			 rc;

	if ((rc = scu_prepare(st, "SELECT id, name, path, added_at FROM "
	    "cache_user_apps ORDER BY name", &stmt)) != 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		a = &v[n++];
		a->id = sqlite3_column_int64(stmt, 0);
		a->name = xstrdup(scu_text(stmt, 1));
		a->path = xstrdup(scu_text(stmt, 2));
		a->added_at = sqlite3_column_int64(stmt, 3);
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list apps");
		sqlite3_finalize(stmt);
		store_cache_apps_free(v, n);
		return rc;
	}
	sqlite3_finalize(stmt);
	*appsp = v;
	*np = n;
	return 0;
}

/* Free what store_cache_apps_list returned. */
void
store_cache_apps_free(struct store_cache_app *apps, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(apps[i].name);
		free(apps[i].path);
	}
	free(apps);
}

/* Link an app folder under a name. */
int
store_cache_app_add(struct store *st, const char *name, const char *path)
{
	return scu_exec2(st, "INSERT INTO cache_user_apps (name, path, "
	    "added_at) VALUES (?, ?, ?)", name, path, NULL);
}

/* Unlink an app. */
int
store_cache_app_remove(struct store *st, const char *name)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = scu_prepare(st, "DELETE FROM cache_user_apps WHERE name = ?",
	    &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_DONE)
		rc = sqlite3_changes(st->db) > 0 ? 0 : -ENOENT;
	else
		rc = scu_fail(st, rc, "remove app");
	sqlite3_finalize(stmt);
	return rc;
}

/* Every model of the index with the linked apps using it. */
int
store_cache_models_list(struct store *st, struct store_cache_model **modelsp,
    size_t *np)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_cache_model *v = NULL, *m;
	size_t			 n = 0;
	int			 rc;

	if ((rc = scu_prepare(st, "SELECT m.id, s.kind, m.name, m.revision, "
	    "m.refs, m.path, COALESCE((SELECT group_concat(a.name, ',') FROM "
	    "cache_user_app_models u JOIN cache_user_apps a ON a.id = "
	    "u.app_id WHERE u.model_id = m.id), '') FROM cache_models m "
	    "JOIN cache_stores s ON s.id = m.store_id ORDER BY m.id",
	    &stmt)) != 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		m = &v[n++];
		memset(m, 0, sizeof(*m));
		m->id = sqlite3_column_int64(stmt, 0);
		if (modelstore_kind_parse(scu_text(stmt, 1), &m->kind) != 0)
			m->kind = MODELSTORE_LOCAL;
		m->name = xstrdup(scu_text(stmt, 2));
		m->revision = xstrdup(scu_text(stmt, 3));
		m->refs = xstrdup(scu_text(stmt, 4));
		m->path = xstrdup(scu_text(stmt, 5));
		m->apps = xstrdup(scu_text(stmt, 6));
		m->ref = store_cache_model_ref(m->kind, m->name, m->revision);
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list models");
		sqlite3_finalize(stmt);
		store_cache_models_free(v, n);
		return rc;
	}
	sqlite3_finalize(stmt);
	*modelsp = v;
	*np = n;
	return 0;
}

/* Free what store_cache_models_list returned. */
void
store_cache_models_free(struct store_cache_model *models, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(models[i].ref);
		free(models[i].name);
		free(models[i].revision);
		free(models[i].refs);
		free(models[i].path);
		free(models[i].apps);
	}
	free(models);
}

/* Model count of the index. */
int
store_cache_count_models(struct store *st, int64_t *np)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = scu_prepare(st, "SELECT COUNT(*) FROM cache_models",
	    &stmt)) != 0)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*np = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else
		rc = scu_fail(st, rc, "count models");
	sqlite3_finalize(stmt);
	return rc;
}

/* The object of the model with row id, in a list sorted by id. */
static json_t *
scu_model_by_id(json_t *models, const int64_t *ids, size_t n, int64_t id)
{
	size_t	lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (ids[mid] == id)
			return json_array_get(models, mid);
		if (ids[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Append s to the array key of obj unless it is already there. */
static void
scu_add_unique(json_t *obj, const char *key, const char *s)
{
	json_t	*a = json_object_get(obj, key), *v;
	size_t	 i;

	json_array_foreach(a, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return;
	json_array_append_new(a, json_string(s));
}

/* Pairs of models that share storage: same inode, or a live clone. */
static const char scu_sql_sharing[] =
    "SELECT DISTINCT mf1.model_id, mf2.model_id FROM cache_model_files mf1 "
    "JOIN cache_files f1 ON f1.id = mf1.file_id "
    "JOIN cache_files f2 ON f2.dev = f1.dev AND f2.ino = f1.ino "
    "JOIN cache_model_files mf2 ON mf2.file_id = f2.id "
    "WHERE mf1.model_id != mf2.model_id "
    "UNION "
    "SELECT DISTINCT mf1.model_id, mf2.model_id FROM cache_ops o "
    "JOIN cache_files ft ON ft.path = o.target_path AND "
    "ft.dev = o.result_dev AND ft.ino = o.result_ino AND "
    "ft.mtime_ns = o.result_mtime_ns "
    "JOIN cache_files fs ON fs.path = o.source_path "
    "JOIN cache_model_files mf1 ON mf1.file_id IN (ft.id, fs.id) "
    "JOIN cache_model_files mf2 ON mf2.file_id IN (ft.id, fs.id) "
    "WHERE o.state = 'done' AND o.kind IN ('clone', 'dedupe') AND "
    "mf1.model_id != mf2.model_id";

/* GET /v1/cache body. */
int
store_cache_models_json(struct store *st, json_t **outp)
{
	sqlite3_stmt		*stmt = NULL;
	enum modelstore_kind	 kind;
	json_t			*models, *stores, *warnings, *m, *o;
	int64_t			*ids = NULL, nwarn = 0;
	size_t			 n = 0;
	char			*ref;
	int			 rc;

	models = json_array();
	stores = json_array();
	warnings = json_array();
	if ((rc = scu_prepare(st, "SELECT m.id, s.kind, s.path, m.name, "
	    "m.revision, m.refs, m.path, m.size, m.detached, (SELECT COUNT(*) "
	    "FROM cache_model_files mf WHERE mf.model_id = m.id) "
	    "FROM cache_models m JOIN cache_stores s ON s.id = m.store_id "
	    "ORDER BY m.id", &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (modelstore_kind_parse(scu_text(stmt, 1), &kind) != 0)
			kind = MODELSTORE_LOCAL;
		ref = store_cache_model_ref(kind, scu_text(stmt, 3),
		    scu_text(stmt, 4));
		m = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, "
		    "s:b, s:I, s:[], s:[], s:b, s:[]}",
		    "ref", ref,
		    "name", scu_text(stmt, 3),
		    "store", scu_text(stmt, 1),
		    "store_path", scu_text(stmt, 2),
		    "revision", scu_text(stmt, 4),
		    "refs", scu_text(stmt, 5),
		    "path", scu_text(stmt, 6),
		    "size_bytes", (json_int_t)sqlite3_column_int64(stmt, 7),
		    "detached", sqlite3_column_int(stmt, 8) != 0,
		    "files", (json_int_t)sqlite3_column_int64(stmt, 9),
		    "apps",
		    "registered_apps",
		    "shares_bytes", 0,
		    "shared_with");
		free(ref);
		if (m == NULL)
			fatalx("store: cache: cannot build a model object");
		json_array_append_new(models, m);
		ids = xreallocarray(ids, n + 1, sizeof(*ids));
		ids[n++] = sqlite3_column_int64(stmt, 0);
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list models");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;

	/* Store apps (a model's own store, cross-store links), then linked. */
	if ((rc = scu_prepare(st, "SELECT am.model_id, a.name, 0 FROM "
	    "cache_app_models am JOIN cache_apps a ON a.id = am.app_id "
	    "UNION ALL SELECT u.model_id, a.name, 1 FROM cache_user_app_models "
	    "u JOIN cache_user_apps a ON a.id = u.app_id ORDER BY 3, 2",
	    &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if ((m = scu_model_by_id(models, ids, n,
		    sqlite3_column_int64(stmt, 0))) == NULL)
			continue;
		scu_add_unique(m, "apps", scu_text(stmt, 1));
		if (sqlite3_column_int(stmt, 2))
			scu_add_unique(m, "registered_apps",
			    scu_text(stmt, 1));
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "model apps");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;

	if ((rc = scu_prepare(st, scu_sql_sharing, &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		m = scu_model_by_id(models, ids, n,
		    sqlite3_column_int64(stmt, 0));
		o = scu_model_by_id(models, ids, n,
		    sqlite3_column_int64(stmt, 1));
		if (m == NULL || o == NULL)
			continue;
		json_object_set_new(m, "shares_bytes", json_true());
		scu_add_unique(m, "shared_with",
		    json_string_value(json_object_get(o, "ref")));
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "model sharing");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;

	if ((rc = scu_prepare(st, "SELECT kind, path, present, scanned_at "
	    "FROM cache_stores ORDER BY id", &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
		json_array_append_new(stores, json_pack("{s:s, s:s, s:b, s:o}",
		    "kind", scu_text(stmt, 0), "path", scu_text(stmt, 1),
		    "present", sqlite3_column_int(stmt, 2) != 0,
		    "scanned_at", timeutil_iso_json(
		    sqlite3_column_int64(stmt, 3) * 1000000000LL)));
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list stores");
		goto out;
	}
	sqlite3_finalize(stmt);
	stmt = NULL;

	if ((rc = scu_prepare(st, "SELECT path, message, COUNT(*) OVER () "
	    "FROM cache_warnings ORDER BY id", &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		nwarn = sqlite3_column_int64(stmt, 2);
		if (json_array_size(warnings) < SCU_MAX_WARNINGS)
			json_array_append_new(warnings, json_pack("{s:s, s:s}",
			    "path", scu_text(stmt, 0),
			    "message", scu_text(stmt, 1)));
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list warnings");
		goto out;
	}
	rc = 0;
	*outp = json_pack("{s:O, s:O, s:O, s:I}", "models", models, "stores",
	    stores, "warnings", warnings, "warnings_total", (json_int_t)nwarn);
out:
	sqlite3_finalize(stmt);
	json_decref(models);
	json_decref(stores);
	json_decref(warnings);
	free(ids);
	return rc;
}

/* GET /v1/cache/apps body. */
int
store_cache_apps_json(struct store *st, json_t **outp)
{
	sqlite3_stmt		*stmt = NULL;
	enum modelstore_kind	 kind;
	json_t			*apps, *a = NULL;
	int64_t			 last = -1;
	char			*ref;
	int			 rc;

	apps = json_array();
	if ((rc = scu_prepare(st, "SELECT a.id, a.name, a.path, a.added_at, "
	    "s.kind, m.name, m.revision, u.via FROM cache_user_apps a "
	    "LEFT JOIN cache_user_app_models u ON u.app_id = a.id "
	    "LEFT JOIN cache_models m ON m.id = u.model_id "
	    "LEFT JOIN cache_stores s ON s.id = m.store_id "
	    "ORDER BY a.name, m.name, m.revision", &stmt)) != 0)
		goto out;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (sqlite3_column_int64(stmt, 0) != last) {
			last = sqlite3_column_int64(stmt, 0);
			a = json_pack("{s:s, s:s, s:o, s:[]}",
			    "name", scu_text(stmt, 1),
			    "path", scu_text(stmt, 2),
			    "added_at", timeutil_iso_json(
			    sqlite3_column_int64(stmt, 3) * 1000000000LL),
			    "models");
			json_array_append_new(apps, a);
		}
		if (sqlite3_column_type(stmt, 5) == SQLITE_NULL)
			continue;
		if (modelstore_kind_parse(scu_text(stmt, 4), &kind) != 0)
			kind = MODELSTORE_LOCAL;
		ref = store_cache_model_ref(kind, scu_text(stmt, 5),
		    scu_text(stmt, 6));
		json_array_append_new(json_object_get(a, "models"),
		    json_pack("{s:s, s:s}", "ref", ref, "via",
		    scu_text(stmt, 7)));
		free(ref);
	}
	if (rc != SQLITE_DONE) {
		rc = scu_fail(st, rc, "list apps");
		goto out;
	}
	rc = 0;
	*outp = json_pack("{s:O}", "apps", apps);
out:
	sqlite3_finalize(stmt);
	json_decref(apps);
	return rc;
}
