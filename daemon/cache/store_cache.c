/* SPDX-License-Identifier: ISC */
/*
 * store_cache.c: the SQLite statements for the model-store index, the hashes
 * dedup learned and the replace journal (schema/0002_cache.sql).
 *
 * Called from the thread that runs a scan or dedup job, on the connection it
 * was given. The index is replaced as a whole after each scan; learned
 * hashes and the journal survive. No statement or SQLite code leaves here.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "dedup.h"
#include "log.h"
#include "modelstore.h"
#include "store.h"
#include "store_cache.h"
#include "xmalloc.h"

static const char *const sc_app_names[] = {
	"ollama", "huggingface", "lmstudio", "local",	/* by store kind */
};

static int
sc_fail(struct store *st, int rc, const char *what)
{
	log_warnx("store: cache: %s: %s", what, sqlite3_errmsg(st->db));
	return store_errno(rc);
}

static int
sc_prepare(struct store *st, const char *sql, sqlite3_stmt **stmtp)
{
	int	rc;

	rc = sqlite3_prepare_v2(st->db, sql, -1, stmtp, NULL);
	if (rc != SQLITE_OK) {
		*stmtp = NULL;
		return sc_fail(st, rc, "prepare");
	}
	return 0;
}

/* Step a statement that returns no rows, then reset it for reuse. */
static int
sc_step_done(struct store *st, sqlite3_stmt *stmt)
{
	int	rc;

	rc = sqlite3_step(stmt);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		rc = sc_fail(st, rc, "step");
		sqlite3_reset(stmt);
		return rc;
	}
	sqlite3_reset(stmt);
	sqlite3_clear_bindings(stmt);
	return 0;
}

static void
sc_bind_u64(sqlite3_stmt *stmt, int col, uint64_t v)
{
	sqlite3_bind_int64(stmt, col, (sqlite3_int64)v);
}

static void
sc_bind_text_or_null(sqlite3_stmt *stmt, int col, const char *s)
{
	if (s == NULL || *s == '\0')
		sqlite3_bind_null(stmt, col);
	else
		sqlite3_bind_text(stmt, col, s, -1, SQLITE_TRANSIENT);
}

static const char *
sc_col_text(sqlite3_stmt *stmt, int col)
{
	const unsigned char	*t = sqlite3_column_text(stmt, col);

	return t != NULL ? (const char *)t : "";
}

static int64_t
sc_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Id of the row of table with path = ?; -ENOENT if none. */
static int
sc_id_by_path(struct store *st, const char *table, const char *path,
    int64_t *idp)
{
	sqlite3_stmt	*stmt = NULL;
	char		*sql;
	int		 rc;

	sql = xasprintf("SELECT id FROM %s WHERE path = ?", table);
	rc = sc_prepare(st, sql, &stmt);
	free(sql);
	if (rc != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, path, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*idp = sqlite3_column_int64(stmt, 0);
		rc = 0;
	} else
		rc = rc == SQLITE_DONE ? -ENOENT : sc_fail(st, rc, "select");
	sqlite3_finalize(stmt);
	return rc;
}

/*
 * Write idx into the emptied index tables inside the caller's transaction;
 * on success *model_idsp holds the row id of each idx model (caller frees).
 */
static int
sc_save_locked(struct store *st, const struct modelstore_index *idx,
    int64_t **model_idsp)
{
	sqlite3_stmt			*ins_store = NULL, *ins_model = NULL;
	sqlite3_stmt			*ins_file = NULL, *ins_mf = NULL;
	sqlite3_stmt			*ins_app = NULL, *ins_clean = NULL;
	sqlite3_stmt			*ins_warn = NULL;
	const struct modelstore_model	*m;
	const struct modelstore_file	*f;
	int64_t				*store_ids = NULL, *model_ids = NULL;
	int64_t				*file_ids = NULL, now = time(NULL);
	size_t				 i, k;
	long				 owner;
	int				 rc;

	if ((rc = store_exec(st, "DELETE FROM cache_warnings;"
	    "DELETE FROM cache_cleanup; DELETE FROM cache_model_files;"
	    "DELETE FROM cache_app_models; DELETE FROM cache_files;"
	    "DELETE FROM cache_models; DELETE FROM cache_stores;")) != 0)
		goto out;
	if ((rc = sc_prepare(st, "INSERT OR IGNORE INTO cache_stores "
	    "(kind, path, present, scanned_at) VALUES (?, ?, ?, ?)",
	    &ins_store)) != 0 ||
	    (rc = sc_prepare(st, "INSERT INTO cache_models (store_id, name, "
	    "revision, refs, path, size, detached) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?)", &ins_model)) != 0 ||
	    (rc = sc_prepare(st, "INSERT INTO cache_files (path, store_id, "
	    "role, size, blocks, dev, ino, nlink, mtime_ns, sha256, "
	    "digest_source, model_id) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", &ins_file)) != 0 ||
	    (rc = sc_prepare(st, "INSERT INTO cache_model_files (model_id, "
	    "file_id, name) VALUES (?, ?, ?)", &ins_mf)) != 0 ||
	    (rc = sc_prepare(st, "INSERT OR IGNORE INTO cache_app_models "
	    "(app_id, model_id) SELECT id, ? FROM cache_apps WHERE name = ?",
	    &ins_app)) != 0 ||
	    (rc = sc_prepare(st, "INSERT INTO cache_cleanup (store_id, kind, "
	    "path, size, mtime_ns, detail) VALUES (?, ?, ?, ?, ?, ?)",
	    &ins_clean)) != 0 ||
	    (rc = sc_prepare(st, "INSERT INTO cache_warnings (store_id, path, "
	    "message) VALUES (?, ?, ?)", &ins_warn)) != 0)
		goto out;

	store_ids = xcalloc(idx->nstores + 1, sizeof(*store_ids));
	for (i = 0; i < idx->nstores; i++) {
		sqlite3_bind_text(ins_store, 1,
		    modelstore_kind_name(idx->stores[i].kind), -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(ins_store, 2, idx->stores[i].path, -1,
		    SQLITE_STATIC);
		sqlite3_bind_int(ins_store, 3, idx->stores[i].present);
		sqlite3_bind_int64(ins_store, 4, now);
		if ((rc = sc_step_done(st, ins_store)) != 0 ||
		    (rc = sc_id_by_path(st, "cache_stores",
		    idx->stores[i].path, &store_ids[i])) != 0)
			goto out;
	}

	model_ids = xcalloc(idx->nmodels + 1, sizeof(*model_ids));
	for (i = 0; i < idx->nmodels; i++) {
		m = &idx->models[i];
		sqlite3_bind_int64(ins_model, 1, store_ids[m->store]);
		sqlite3_bind_text(ins_model, 2, m->name, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_model, 3, m->revision, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_model, 4, m->refs, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_model, 5, m->path, -1, SQLITE_STATIC);
		sc_bind_u64(ins_model, 6, m->size);
		sqlite3_bind_int(ins_model, 7, m->detached);
		if ((rc = sc_step_done(st, ins_model)) != 0)
			goto out;
		model_ids[i] = sqlite3_last_insert_rowid(st->db);
		sqlite3_bind_int64(ins_app, 1, model_ids[i]);
		sqlite3_bind_text(ins_app, 2,
		    sc_app_names[idx->stores[m->store].kind], -1,
		    SQLITE_STATIC);
		if ((rc = sc_step_done(st, ins_app)) != 0)
			goto out;
	}

	file_ids = xcalloc(idx->nfiles + 1, sizeof(*file_ids));
	for (i = 0; i < idx->nfiles; i++) {
		f = &idx->files[i];
		sqlite3_bind_text(ins_file, 1, f->path, -1, SQLITE_STATIC);
		sqlite3_bind_int64(ins_file, 2, store_ids[f->store]);
		sqlite3_bind_text(ins_file, 3, modelstore_role_name(f->role),
		    -1, SQLITE_STATIC);
		sc_bind_u64(ins_file, 4, f->size);
		sc_bind_u64(ins_file, 5, f->blocks);
		sc_bind_u64(ins_file, 6, f->dev);
		sc_bind_u64(ins_file, 7, f->ino);
		sc_bind_u64(ins_file, 8, f->nlink);
		sqlite3_bind_int64(ins_file, 9, f->mtime_ns);
		sc_bind_text_or_null(ins_file, 10, f->sha256);
		sc_bind_text_or_null(ins_file, 11,
		    f->digest == MODELSTORE_DIGEST_NONE ? NULL :
		    modelstore_digest_name(f->digest));
		if (f->model >= 0)
			sqlite3_bind_int64(ins_file, 12, model_ids[f->model]);
		if ((rc = sc_step_done(st, ins_file)) != 0)
			goto out;
		file_ids[i] = sqlite3_last_insert_rowid(st->db);
	}

	for (i = 0; i < idx->nmodels; i++) {
		m = &idx->models[i];
		for (k = 0; k < m->nfiles; k++) {
			sqlite3_bind_int64(ins_mf, 1, model_ids[i]);
			sqlite3_bind_int64(ins_mf, 2,
			    file_ids[m->files[k].file]);
			sqlite3_bind_text(ins_mf, 3, m->files[k].name, -1,
			    SQLITE_STATIC);
			if ((rc = sc_step_done(st, ins_mf)) != 0)
				goto out;
			/* An app using another store's file uses its model. */
			owner = idx->files[m->files[k].file].model;
			if (owner < 0 || idx->models[owner].store == m->store ||
			    idx->stores[idx->models[owner].store].kind ==
			    idx->stores[m->store].kind)
				continue;
			sqlite3_bind_int64(ins_app, 1, model_ids[owner]);
			sqlite3_bind_text(ins_app, 2,
			    sc_app_names[idx->stores[m->store].kind], -1,
			    SQLITE_STATIC);
			if ((rc = sc_step_done(st, ins_app)) != 0)
				goto out;
		}
	}

	for (i = 0; i < idx->ncleanup; i++) {
		const struct modelstore_cleanup *c = &idx->cleanup[i];

		sqlite3_bind_int64(ins_clean, 1, store_ids[c->store]);
		sqlite3_bind_text(ins_clean, 2,
		    modelstore_cleanup_name(c->kind),
		    -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_clean, 3, c->path, -1, SQLITE_STATIC);
		sc_bind_u64(ins_clean, 4, c->size);
		sqlite3_bind_int64(ins_clean, 5, c->mtime_ns);
		sqlite3_bind_text(ins_clean, 6, c->detail, -1, SQLITE_STATIC);
		if ((rc = sc_step_done(st, ins_clean)) != 0)
			goto out;
	}
	for (i = 0; i < idx->nwarnings; i++) {
		const struct modelstore_warning *w = &idx->warnings[i];

		if (w->store < idx->nstores)
			sqlite3_bind_int64(ins_warn, 1, store_ids[w->store]);
		sqlite3_bind_text(ins_warn, 2, w->path, -1, SQLITE_STATIC);
		sqlite3_bind_text(ins_warn, 3, w->message, -1, SQLITE_STATIC);
		if ((rc = sc_step_done(st, ins_warn)) != 0)
			goto out;
	}

	/* Hashes learned earlier stay valid while the inode is unchanged. */
	if ((rc = store_exec(st, "UPDATE cache_files SET "
	    "sha256 = (SELECT h.sha256 FROM cache_hashes h WHERE "
	    "h.dev = cache_files.dev AND h.ino = cache_files.ino AND "
	    "h.size = cache_files.size AND h.mtime_ns = cache_files.mtime_ns),"
	    " digest_source = 'hash' WHERE sha256 IS NULL AND EXISTS (SELECT 1 "
	    "FROM cache_hashes h WHERE h.dev = cache_files.dev AND "
	    "h.ino = cache_files.ino AND h.size = cache_files.size AND "
	    "h.mtime_ns = cache_files.mtime_ns)")) != 0)
		goto out;
out:
	sqlite3_finalize(ins_store);
	sqlite3_finalize(ins_model);
	sqlite3_finalize(ins_file);
	sqlite3_finalize(ins_mf);
	sqlite3_finalize(ins_app);
	sqlite3_finalize(ins_clean);
	sqlite3_finalize(ins_warn);
	free(store_ids);
	free(file_ids);
	if (rc != 0) {
		free(model_ids);
		return rc;
	}
	*model_idsp = model_ids;
	return 0;
}

/* Replace the whole index with idx. */
int
store_cache_save_index(struct store *st, const struct modelstore_index *idx)
{
	return store_cache_save_scan(st, idx, NULL, 0);
}

/* Replace the index and the linked apps' usage in one transaction. */
int
store_cache_save_scan(struct store *st, const struct modelstore_index *idx,
    const struct store_cache_usage *usage, size_t nusage)
{
	sqlite3_stmt	*ins = NULL;
	int64_t		*model_ids = NULL;
	size_t		 i;
	int		 rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	/* Usage rows point at models; they go with the old index. */
	if ((rc = store_exec(st, "DELETE FROM cache_user_app_models")) != 0 ||
	    (rc = sc_save_locked(st, idx, &model_ids)) != 0)
		goto out;
	if (nusage > 0 && (rc = sc_prepare(st, "INSERT OR IGNORE INTO "
	    "cache_user_app_models (app_id, model_id, via) VALUES (?, ?, ?)",
	    &ins)) != 0)
		goto out;
	for (i = 0; i < nusage; i++) {
		if (usage[i].model >= idx->nmodels)
			continue;
		sqlite3_bind_int64(ins, 1, usage[i].app_id);
		sqlite3_bind_int64(ins, 2, model_ids[usage[i].model]);
		sqlite3_bind_text(ins, 3, usage[i].via != NULL ?
		    usage[i].via : "", -1, SQLITE_STATIC);
		/* An app unlinked meanwhile is simply not recorded. */
		if ((rc = sqlite3_step(ins)) != SQLITE_DONE &&
		    (rc & 0xff) != SQLITE_CONSTRAINT) {
			rc = sc_fail(st, rc, "save app usage");
			sqlite3_reset(ins);
			goto out;
		}
		sqlite3_reset(ins);
		rc = 0;
	}
	rc = store_commit(st);
out:
	sqlite3_finalize(ins);
	free(model_ids);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

/* ---- the signature of a saved index ---- */

struct sc_buf {
	unsigned char	*p;
	size_t		 n, cap;
};

static void
sc_buf_put(struct sc_buf *b, const void *v, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2 + 4096;
		b->p = xrealloc(b->p, b->cap);
	}
	memcpy(b->p + b->n, v, n);
	b->n += n;
}

static void
sc_buf_u64(struct sc_buf *b, uint64_t v)
{
	sc_buf_put(b, &v, sizeof(v));
}

/* Length-prefixed, so that no two lists of strings read alike. */
static void
sc_buf_str(struct sc_buf *b, const char *s)
{
	size_t	n = s != NULL ? strlen(s) : 0;

	sc_buf_u64(b, s != NULL ? n + 1 : 0);
	sc_buf_put(b, s != NULL ? s : "", n);
}

/*
 * A key over every value sc_save_locked() and the usage rows write: the
 * fast dedup key, not SHA-256, so a rescan needs no libcrypto (a daemon
 * that never hashes a file never loads it). Odds of two different indexes
 * sharing a key are about 2^-64; the tables would then keep the previous
 * save until the next change, and every action re-checks files on disk.
 */
static int
sc_sig(const struct modelstore_index *idx,
    const struct store_cache_usage *usage, size_t nusage,
    unsigned char md[32])
{
	struct sc_buf	b = { NULL, 0, 0 };
	size_t		i, k;

	sc_buf_u64(&b, idx->nstores);
	for (i = 0; i < idx->nstores; i++) {
		sc_buf_u64(&b, (uint64_t)idx->stores[i].kind);
		sc_buf_str(&b, idx->stores[i].path);
		sc_buf_u64(&b, (uint64_t)idx->stores[i].present);
	}
	sc_buf_u64(&b, idx->nmodels);
	for (i = 0; i < idx->nmodels; i++) {
		const struct modelstore_model *m = &idx->models[i];

		sc_buf_u64(&b, m->store);
		sc_buf_str(&b, m->name);
		sc_buf_str(&b, m->revision);
		sc_buf_str(&b, m->refs);
		sc_buf_str(&b, m->path);
		sc_buf_u64(&b, m->size);
		sc_buf_u64(&b, (uint64_t)m->detached);
		sc_buf_u64(&b, m->nfiles);
		for (k = 0; k < m->nfiles; k++) {
			sc_buf_u64(&b, m->files[k].file);
			sc_buf_str(&b, m->files[k].name);
		}
	}
	sc_buf_u64(&b, idx->nfiles);
	for (i = 0; i < idx->nfiles; i++) {
		const struct modelstore_file *f = &idx->files[i];

		sc_buf_str(&b, f->path);
		sc_buf_u64(&b, f->store);
		sc_buf_u64(&b, (uint64_t)f->role);
		sc_buf_u64(&b, f->size);
		sc_buf_u64(&b, f->blocks);
		sc_buf_u64(&b, f->dev);
		sc_buf_u64(&b, f->ino);
		sc_buf_u64(&b, f->nlink);
		sc_buf_u64(&b, (uint64_t)f->mtime_ns);
		sc_buf_str(&b, f->sha256);
		sc_buf_u64(&b, (uint64_t)f->digest);
		sc_buf_u64(&b, (uint64_t)f->model);
	}
	sc_buf_u64(&b, idx->ncleanup);
	for (i = 0; i < idx->ncleanup; i++) {
		const struct modelstore_cleanup *c = &idx->cleanup[i];

		sc_buf_u64(&b, (uint64_t)c->kind);
		sc_buf_u64(&b, c->store);
		sc_buf_str(&b, c->path);
		sc_buf_u64(&b, c->size);
		sc_buf_u64(&b, (uint64_t)c->mtime_ns);
		sc_buf_str(&b, c->detail);
	}
	sc_buf_u64(&b, idx->nwarnings);
	for (i = 0; i < idx->nwarnings; i++) {
		sc_buf_u64(&b, idx->warnings[i].store);
		sc_buf_str(&b, idx->warnings[i].path);
		sc_buf_str(&b, idx->warnings[i].message);
	}
	sc_buf_u64(&b, nusage);
	for (i = 0; i < nusage; i++) {
		sc_buf_u64(&b, (uint64_t)usage[i].app_id);
		sc_buf_u64(&b, usage[i].model);
		sc_buf_str(&b, usage[i].via);
	}
	dedup_key_buf(b.p, b.n, md);
	free(b.p);
	return 0;
}

/* The index is unchanged: only the stores' scan times move. */
static int
sc_touch_stores(struct store *st)
{
	sqlite3_stmt	*upd = NULL;
	int		 rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = sc_prepare(st, "UPDATE cache_stores SET scanned_at = ?",
	    &upd)) == 0) {
		sqlite3_bind_int64(upd, 1, (sqlite3_int64)time(NULL));
		if ((rc = sc_step_done(st, upd)) == 0)
			rc = store_commit(st);
	}
	sqlite3_finalize(upd);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

/* Save idx unless the tables already hold exactly it (see the header). */
int
store_cache_save_scan_sig(struct store *st,
    const struct modelstore_index *idx,
    const struct store_cache_usage *usage, size_t nusage,
    struct store_cache_sig *sig, int *rewrotep)
{
	unsigned char	md[32];
	int		rc, have;

	*rewrotep = 0;
	have = sc_sig(idx, usage, nusage, md) == 0;
	if (have && sig->valid && memcmp(md, sig->md, sizeof(md)) == 0) {
		if ((rc = sc_touch_stores(st)) != 0)
			sig->valid = 0;
		return rc;
	}
	sig->valid = 0;
	*rewrotep = 1;
	if ((rc = store_cache_save_scan(st, idx, usage, nusage)) != 0)
		return rc;
	if (have) {
		memcpy(sig->md, md, sizeof(md));
		sig->valid = 1;
	}
	return 0;
}

/* Load the indexed files of at least min_size. */
int
store_cache_files_load(struct store *st, uint64_t min_size,
    struct store_cache_file **filesp, size_t *np)
{
	sqlite3_stmt		*stmt = NULL;
	struct store_cache_file	*v = NULL, *f;
	size_t			 n = 0;
	int			 rc;

	rc = sc_prepare(st, "SELECT f.path, f.role, f.size, f.blocks, f.dev, "
	    "f.ino, f.nlink, f.mtime_ns, COALESCE(f.sha256, h.sha256, ''), "
	    "CASE WHEN f.sha256 IS NOT NULL THEN f.digest_source "
	    "WHEN h.sha256 IS NOT NULL THEN 'hash' ELSE '' END "
	    "FROM cache_files f LEFT JOIN cache_hashes h ON h.dev = f.dev AND "
	    "h.ino = f.ino AND h.size = f.size AND h.mtime_ns = f.mtime_ns "
	    "WHERE f.size >= ? ORDER BY f.size, f.dev, f.ino, f.path", &stmt);
	if (rc != 0)
		return rc;
	sc_bind_u64(stmt, 1, min_size);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		f = &v[n++];
		memset(f, 0, sizeof(*f));
		f->path = xstrdup(sc_col_text(stmt, 0));
		if (modelstore_role_parse(sc_col_text(stmt, 1), &f->role) != 0)
			f->role = MODELSTORE_ROLE_EXTERNAL;
		f->size = (uint64_t)sqlite3_column_int64(stmt, 2);
		f->blocks = (uint64_t)sqlite3_column_int64(stmt, 3);
		f->dev = (uint64_t)sqlite3_column_int64(stmt, 4);
		f->ino = (uint64_t)sqlite3_column_int64(stmt, 5);
		f->nlink = (uint64_t)sqlite3_column_int64(stmt, 6);
		f->mtime_ns = sqlite3_column_int64(stmt, 7);
		snprintf(f->sha256, sizeof(f->sha256), "%s",
		    sc_col_text(stmt, 8));
		if (modelstore_digest_parse(sc_col_text(stmt, 9),
		    &f->digest) != 0 || f->sha256[0] == '\0')
			f->digest = MODELSTORE_DIGEST_NONE;
	}
	if (rc != SQLITE_DONE) {
		rc = sc_fail(st, rc, "load files");
		sqlite3_finalize(stmt);
		store_cache_files_free(v, n);
		return rc;
	}
	sqlite3_finalize(stmt);
	*filesp = v;
	*np = n;
	return 0;
}

/* Indexed paths whose content is sha256 (by name or learned hash). */
int
store_cache_find_sha(struct store *st, const char *sha256, uint64_t size,
    char ***pathsp, enum modelstore_role **rolesp, size_t *np)
{
	sqlite3_stmt		*stmt = NULL;
	char			**v = NULL;
	enum modelstore_role	*roles = NULL;
	size_t			 n = 0;
	int			 rc;

	rc = sc_prepare(st, "SELECT f.path, f.role FROM cache_files f "
	    "LEFT JOIN cache_hashes h ON h.dev = f.dev AND h.ino = f.ino AND "
	    "h.size = f.size AND h.mtime_ns = f.mtime_ns "
	    "WHERE f.size = ? AND COALESCE(f.sha256, h.sha256) = lower(?) "
	    "ORDER BY f.sha256 IS NULL, f.role != 'ollama_blob', f.path "
	    "LIMIT 8", &stmt);
	if (rc != 0)
		return rc;
	sc_bind_u64(stmt, 1, size);
	sqlite3_bind_text(stmt, 2, sha256, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		roles = xreallocarray(roles, n + 1, sizeof(*roles));
		if (modelstore_role_parse(sc_col_text(stmt, 1), &roles[n]) != 0)
			roles[n] = MODELSTORE_ROLE_EXTERNAL;
		v[n++] = xstrdup(sc_col_text(stmt, 0));
	}
	if (rc != SQLITE_DONE) {
		rc = sc_fail(st, rc, "find a digest");
		sqlite3_finalize(stmt);
		store_cache_strings_free(v, n);
		free(roles);
		return rc;
	}
	sqlite3_finalize(stmt);
	*pathsp = v;
	*rolesp = roles;
	*np = n;
	return 0;
}

/* Free what store_cache_files_load returned. */
void
store_cache_files_free(struct store_cache_file *files, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		free(files[i].path);
	free(files);
}

/* Remember a computed hash and attach it to the inode's indexed paths. */
int
store_cache_hash_put(struct store *st, uint64_t dev, uint64_t ino,
    uint64_t size, int64_t mtime_ns, const char *sha256)
{
	sqlite3_stmt	*put = NULL, *upd = NULL;
	int		 rc;

	if ((rc = store_begin(st)) != 0)
		return rc;
	if ((rc = sc_prepare(st, "INSERT OR REPLACE INTO cache_hashes (dev, "
	    "ino, size, mtime_ns, sha256, hashed_at) VALUES (?, ?, ?, ?, ?, ?)",
	    &put)) != 0 ||
	    (rc = sc_prepare(st, "UPDATE cache_files SET sha256 = ?, "
	    "digest_source = 'hash' WHERE dev = ? AND ino = ? AND size = ? AND "
	    "mtime_ns = ? AND sha256 IS NULL", &upd)) != 0)
		goto out;
	sc_bind_u64(put, 1, dev);
	sc_bind_u64(put, 2, ino);
	sc_bind_u64(put, 3, size);
	sqlite3_bind_int64(put, 4, mtime_ns);
	sqlite3_bind_text(put, 5, sha256, -1, SQLITE_STATIC);
	sqlite3_bind_int64(put, 6, (sqlite3_int64)time(NULL));
	sqlite3_bind_text(upd, 1, sha256, -1, SQLITE_STATIC);
	sc_bind_u64(upd, 2, dev);
	sc_bind_u64(upd, 3, ino);
	sc_bind_u64(upd, 4, size);
	sqlite3_bind_int64(upd, 5, mtime_ns);
	if ((rc = sc_step_done(st, put)) != 0 ||
	    (rc = sc_step_done(st, upd)) != 0)
		goto out;
	rc = store_commit(st);
out:
	sqlite3_finalize(put);
	sqlite3_finalize(upd);
	if (rc != 0)
		store_rollback(st);
	return rc;
}

/* Insert a journal row. */
int
store_cache_op_insert(struct store *st, const struct dedup_op *op,
    int64_t *idp)
{
	sqlite3_stmt	*stmt = NULL;
	int64_t		 now = sc_now_ms();
	int		 rc;

	if ((rc = sc_prepare(st, "INSERT INTO cache_ops (kind, state, "
	    "target_path, temp_path, source_path, target_dev, target_ino, "
	    "expected_size, expected_mtime_ns, expected_sha256, source_dev, "
	    "source_ino, bytes_reclaimed, error, created_at, updated_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
	    &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, dedup_op_kind_name(op->kind), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 2, dedup_op_state_name(op->state), -1,
	    SQLITE_STATIC);
	sqlite3_bind_text(stmt, 3, op->target, -1, SQLITE_STATIC);
	sc_bind_text_or_null(stmt, 4, op->temp);
	sqlite3_bind_text(stmt, 5, op->source, -1, SQLITE_STATIC);
	sc_bind_u64(stmt, 6, op->target_dev);
	sc_bind_u64(stmt, 7, op->target_ino);
	sc_bind_u64(stmt, 8, op->size);
	sqlite3_bind_int64(stmt, 9, op->mtime_ns);
	sc_bind_text_or_null(stmt, 10, op->sha256);
	sc_bind_u64(stmt, 11, op->source_dev);
	sc_bind_u64(stmt, 12, op->source_ino);
	sc_bind_u64(stmt, 13, op->bytes);
	sc_bind_text_or_null(stmt, 14, op->error);
	sqlite3_bind_int64(stmt, 15, now);
	sqlite3_bind_int64(stmt, 16, now);
	if ((rc = sc_step_done(st, stmt)) == 0)
		*idp = sqlite3_last_insert_rowid(st->db);
	sqlite3_finalize(stmt);
	return rc;
}

/* Write an op's state and results. */
int
store_cache_op_update(struct store *st, const struct dedup_op *op)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = sc_prepare(st, "UPDATE cache_ops SET state = ?, "
	    "temp_path = ?, result_dev = ?, result_ino = ?, "
	    "result_mtime_ns = ?, bytes_reclaimed = ?, error = ?, "
	    "updated_at = ? WHERE id = ?", &stmt)) != 0)
		return rc;
	sqlite3_bind_text(stmt, 1, dedup_op_state_name(op->state), -1,
	    SQLITE_STATIC);
	sc_bind_text_or_null(stmt, 2, op->temp);
	if (op->state == DEDUP_OP_DONE) {
		sc_bind_u64(stmt, 3, op->result_dev);
		sc_bind_u64(stmt, 4, op->result_ino);
		sqlite3_bind_int64(stmt, 5, op->result_mtime_ns);
	}
	sc_bind_u64(stmt, 6, op->bytes);
	sc_bind_text_or_null(stmt, 7, op->error);
	sqlite3_bind_int64(stmt, 8, sc_now_ms());
	sqlite3_bind_int64(stmt, 9, op->id);
	rc = sc_step_done(st, stmt);
	if (rc == 0 && sqlite3_changes(st->db) != 1)
		rc = -ENOENT;
	sqlite3_finalize(stmt);
	return rc;
}

/* Load journal rows. */
int
store_cache_ops_load(struct store *st, enum store_cache_ops_filter filter,
    struct dedup_op **opsp, size_t *np)
{
	static const char *const where[] = {
		"state IN ('planned', 'temp_created', 'renamed')",
		"state = 'done' AND kind IN ('clone', 'dedupe')",
		"1",
	};
	sqlite3_stmt	*stmt = NULL;
	struct dedup_op	*v = NULL, *op;
	size_t		 n = 0;
	char		*sql;
	int		 rc;

	if ((size_t)filter >= sizeof(where) / sizeof(where[0]))
		return -EINVAL;
	sql = xasprintf("SELECT id, kind, state, target_path, temp_path, "
	    "source_path, target_dev, target_ino, expected_size, "
	    "expected_mtime_ns, expected_sha256, source_dev, source_ino, "
	    "result_dev, result_ino, result_mtime_ns, bytes_reclaimed, error "
	    "FROM cache_ops WHERE %s ORDER BY id", where[filter]);
	rc = sc_prepare(st, sql, &stmt);
	free(sql);
	if (rc != 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		v = xreallocarray(v, n + 1, sizeof(*v));
		op = &v[n++];
		memset(op, 0, sizeof(*op));
		op->id = sqlite3_column_int64(stmt, 0);
		if (dedup_op_kind_parse(sc_col_text(stmt, 1), &op->kind) != 0)
			op->kind = DEDUP_OP_CLONE;
		if (dedup_op_state_parse(sc_col_text(stmt, 2),
		    &op->state) != 0)
			op->state = DEDUP_OP_PLANNED;
		op->target = xstrdup(sc_col_text(stmt, 3));
		if (sqlite3_column_type(stmt, 4) != SQLITE_NULL)
			op->temp = xstrdup(sc_col_text(stmt, 4));
		op->source = xstrdup(sc_col_text(stmt, 5));
		op->target_dev = (uint64_t)sqlite3_column_int64(stmt, 6);
		op->target_ino = (uint64_t)sqlite3_column_int64(stmt, 7);
		op->size = (uint64_t)sqlite3_column_int64(stmt, 8);
		op->mtime_ns = sqlite3_column_int64(stmt, 9);
		snprintf(op->sha256, sizeof(op->sha256), "%s",
		    sc_col_text(stmt, 10));
		op->source_dev = (uint64_t)sqlite3_column_int64(stmt, 11);
		op->source_ino = (uint64_t)sqlite3_column_int64(stmt, 12);
		op->result_dev = (uint64_t)sqlite3_column_int64(stmt, 13);
		op->result_ino = (uint64_t)sqlite3_column_int64(stmt, 14);
		op->result_mtime_ns = sqlite3_column_int64(stmt, 15);
		op->bytes = (uint64_t)sqlite3_column_int64(stmt, 16);
		if (sqlite3_column_type(stmt, 17) != SQLITE_NULL)
			op->error = xstrdup(sc_col_text(stmt, 17));
	}
	if (rc != SQLITE_DONE) {
		rc = sc_fail(st, rc, "load ops");
		sqlite3_finalize(stmt);
		store_cache_ops_free(v, n);
		return rc;
	}
	sqlite3_finalize(stmt);
	*opsp = v;
	*np = n;
	return 0;
}

/* Free what store_cache_ops_load returned. */
void
store_cache_ops_free(struct dedup_op *ops, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(ops[i].target);
		free(ops[i].temp);
		free(ops[i].source);
		free(ops[i].error);
	}
	free(ops);
}

/* Switch synchronous=FULL on (saving the old level) or restore it. */
int
store_cache_durable(struct store *st, int on, int *prevp)
{
	sqlite3_stmt	*stmt = NULL;
	char		 sql[128];
	int		 rc;

	if (!on) {
		snprintf(sql, sizeof(sql), "PRAGMA synchronous = %d; "
		    "PRAGMA fullfsync = 0; PRAGMA checkpoint_fullfsync = 0",
		    *prevp);
		return store_exec(st, sql);
	}
	if ((rc = sc_prepare(st, "PRAGMA synchronous", &stmt)) != 0)
		return rc;
	if ((rc = sqlite3_step(stmt)) != SQLITE_ROW) {
		rc = sc_fail(st, rc, "read synchronous");
		sqlite3_finalize(stmt);
		return rc;
	}
	*prevp = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	/* fullfsync: F_FULLFSYNC on macOS (no effect elsewhere). */
	return store_exec(st, "PRAGMA synchronous = FULL; "
	    "PRAGMA fullfsync = 1; PRAGMA checkpoint_fullfsync = 1");
}

/* Run a one-row query of up to three integer columns. */
static int
sc_query3(struct store *st, const char *sql, int64_t *a, int64_t *b,
    int64_t *c)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	if ((rc = sc_prepare(st, sql, &stmt)) != 0)
		return rc;
	if ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (a != NULL)
			*a = sqlite3_column_int64(stmt, 0);
		if (b != NULL)
			*b = sqlite3_column_int64(stmt, 1);
		if (c != NULL)
			*c = sqlite3_column_int64(stmt, 2);
		rc = 0;
	} else
		rc = sc_fail(st, rc, "stats");
	sqlite3_finalize(stmt);
	return rc;
}

/* Fill struct dedup_stats from the index and the journal. */
int
store_cache_stats(struct store *st, struct dedup_stats *sp)
{
	sqlite3_stmt		*stmt = NULL;
	int64_t			 a = 0, b = 0, c = 0;
	enum dedup_op_kind	 kind;
	enum dedup_op_state	 state;
	uint64_t		 bytes, count;
	int			 rc;

	memset(sp, 0, sizeof(*sp));
	if ((rc = sc_query3(st, "SELECT COUNT(*), COALESCE(SUM(size), 0), 0 "
	    "FROM cache_files", &a, &b, NULL)) != 0)
		return rc;
	sp->files = (uint64_t)a;
	sp->logical = (uint64_t)b;
	if ((rc = sc_query3(st, "SELECT COUNT(*), COALESCE(SUM(size), 0), "
	    "COALESCE(SUM(blocks), 0) FROM (SELECT MAX(size) AS size, "
	    "MAX(blocks) AS blocks FROM cache_files GROUP BY dev, ino)",
	    &a, &b, &c)) != 0)
		return rc;
	sp->inodes = (uint64_t)a;
	sp->unique = (uint64_t)b;
	sp->physical = (uint64_t)c;
	if ((rc = sc_query3(st, "SELECT COALESCE(SUM(o.bytes_reclaimed), 0), "
	    "0, 0 FROM cache_ops o WHERE o.state = 'done' AND o.kind IN "
	    "('clone', 'dedupe') AND EXISTS (SELECT 1 FROM cache_files f "
	    "WHERE f.path = o.target_path AND f.dev = o.result_dev AND "
	    "f.ino = o.result_ino AND f.mtime_ns = o.result_mtime_ns)",
	    &a, NULL, NULL)) != 0)
		return rc;
	sp->clone_shared = (uint64_t)a;
	sp->physical_est = sp->physical > sp->clone_shared ?
	    sp->physical - sp->clone_shared : 0;
	if ((rc = sc_query3(st, "SELECT COUNT(*), COALESCE(SUM(size), 0), 0 "
	    "FROM cache_cleanup", &a, &b, NULL)) != 0)
		return rc;
	sp->ncleanup = (uint64_t)a;
	sp->cleanup_bytes = (uint64_t)b;

	if ((rc = sc_prepare(st, "SELECT kind, state, COUNT(*), "
	    "COALESCE(SUM(bytes_reclaimed), 0) FROM cache_ops "
	    "GROUP BY kind, state", &stmt)) != 0)
		return rc;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		if (dedup_op_kind_parse(sc_col_text(stmt, 0), &kind) != 0 ||
		    dedup_op_state_parse(sc_col_text(stmt, 1), &state) != 0)
			continue;
		count = (uint64_t)sqlite3_column_int64(stmt, 2);
		bytes = (uint64_t)sqlite3_column_int64(stmt, 3);
		switch (state) {
		case DEDUP_OP_DONE:
			sp->ops_done += count;
			sp->reclaimed += bytes;
			if (kind == DEDUP_OP_HARDLINK)
				sp->reclaimed_by[DEDUP_HARDLINK] += bytes;
			else if (kind == DEDUP_OP_SYMLINK)
				sp->reclaimed_by[DEDUP_SYMLINK] += bytes;
			else
				sp->reclaimed_by[DEDUP_CLONE] += bytes;
			break;
		case DEDUP_OP_ROLLED_BACK:
			sp->ops_rolled_back += count;
			break;
		default:
			sp->ops_pending += count;
			break;
		}
	}
	rc = rc == SQLITE_DONE ? 0 : sc_fail(st, rc, "stats");
	sqlite3_finalize(stmt);
	return rc;
}
