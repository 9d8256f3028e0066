/* SPDX-License-Identifier: ISC */
/*
 * store.c: the daemon's SQLite connection.
 *
 * Owns opening the database in WAL mode with foreign keys and a busy
 * timeout, and applying the migrations compiled in from schema/ (tracked by
 * PRAGMA user_version, one transaction each). A database whose user_version
 * is newer than the newest migration is refused and left untouched. SQLite
 * result codes never leave this file family: callers see 0 or -errno.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "store.h"
#include "xmalloc.h"

#define STORE_BUSY_TIMEOUT_MS	5000

/* Map an SQLite result code to a negative errno. */
int
store_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return 0;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return -EBUSY;
	case SQLITE_NOMEM:
		return -ENOMEM;
	case SQLITE_READONLY:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return -EACCES;
	case SQLITE_CANTOPEN:
		return -ENOENT;
	case SQLITE_FULL:
		return -ENOSPC;
	case SQLITE_CONSTRAINT:
		return -EEXIST;
	case SQLITE_MISMATCH:
	case SQLITE_RANGE:
	case SQLITE_TOOBIG:
		return -EINVAL;
	case SQLITE_NOTADB:
	case SQLITE_CORRUPT:
		return -EILSEQ;
	default:
		return -EIO;
	}
}

/* Execute SQL that returns no rows. */
int
store_exec(struct store *st, const char *sql)
{
	char	*err = NULL;
	int	 rc;

	rc = sqlite3_exec(st->db, sql, NULL, NULL, &err);
	if (rc != SQLITE_OK) {
		log_warnx("store: %s", err != NULL ? err : sqlite3_errstr(rc));
		sqlite3_free(err);
		return store_errno(rc);
	}
	return 0;
}

/* Begin an immediate transaction. */
int
store_begin(struct store *st)
{
	return store_exec(st, "BEGIN IMMEDIATE");
}

/* Commit the open transaction. */
int
store_commit(struct store *st)
{
	return store_exec(st, "COMMIT");
}

/* Roll back the open transaction, if any. */
void
store_rollback(struct store *st)
{
	if (!sqlite3_get_autocommit(st->db))
		(void)sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

static int
store_user_version(struct store *st, int *versionp)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &stmt,
	    NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		*versionp = sqlite3_column_int(stmt, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(stmt);
	return store_errno(rc);
}

/* Any row from PRAGMA foreign_key_check: 0 none, -EPROTO some, -errno. */
static int
store_fk_check(struct store *st, char **causep)
{
	sqlite3_stmt	*stmt;
	int		 rc;

	if ((rc = sqlite3_prepare_v2(st->db, "PRAGMA foreign_key_check", -1,
	    &stmt, NULL)) != SQLITE_OK)
		return store_errno(rc);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW)
		*causep = xasprintf("table %s has a row whose %s is missing",
		    (const char *)sqlite3_column_text(stmt, 0),
		    (const char *)sqlite3_column_text(stmt, 2));
	sqlite3_finalize(stmt);
	return rc == SQLITE_DONE ? 0 : rc == SQLITE_ROW ? -EPROTO :
	    store_errno(rc);
}

/*
 * Apply migrations above the current user_version, up to version to. Each
 * runs in its own transaction with foreign keys off (PRAGMA foreign_keys
 * is a no-op inside a transaction, so it is switched around it), the way
 * SQLite's table-rebuild procedure needs: dropping a rebuilt table must
 * not cascade. PRAGMA foreign_key_check then runs before the commit, and
 * the connection's setting is restored afterwards.
 */
int
store_migrate(struct store *st, int to, char **causep)
{
	const struct store_migration	*m;
	char				*err = NULL, *sql, *why = NULL;
	int				 i, rc, cur, fk = 0;
	sqlite3_stmt			*stmt;

	if ((rc = store_user_version(st, &cur)) != 0) {
		*causep = xasprintf("%s: cannot read schema version: %s",
		    st->path, sqlite3_errmsg(st->db));
		return rc;
	}
	if (cur > store_nmigrations) {
		*causep = xasprintf("%s: database schema version %d is newer "
		    "than this mlxd knows (%d); refusing to touch it — run a "
		    "newer mlxd or point --data-dir elsewhere", st->path, cur,
		    store_nmigrations);
		return -EPROTO;
	}
	if (cur >= store_nmigrations || cur >= to)
		return store_user_version(st, &st->version);
	if (sqlite3_prepare_v2(st->db, "PRAGMA foreign_keys", -1, &stmt,
	    NULL) == SQLITE_OK) {
		if (sqlite3_step(stmt) == SQLITE_ROW)
			fk = sqlite3_column_int(stmt, 0);
		sqlite3_finalize(stmt);
	}
	if (fk && (rc = sqlite3_exec(st->db, "PRAGMA foreign_keys=OFF", NULL,
	    NULL, NULL)) != SQLITE_OK) {
		*causep = xasprintf("%s: %s", st->path,
		    sqlite3_errmsg(st->db));
		return store_errno(rc);
	}
	for (i = cur; i < store_nmigrations && i < to; i++) {
		m = &store_migrations[i];
		sql = xasprintf("BEGIN IMMEDIATE;\n%s\nPRAGMA user_version = %d;",
		    m->sql, m->version);
		rc = sqlite3_exec(st->db, sql, NULL, NULL, &err);
		free(sql);
		if (rc == SQLITE_OK && (rc = store_fk_check(st, &why)) != 0) {
			*causep = xasprintf("%s: migration %04d_%s failed: %s",
			    st->path, m->version, m->name, why != NULL ? why :
			    strerror(-rc));
			free(why);
			store_rollback(st);
			goto out;
		}
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(st->db, "COMMIT", NULL, NULL, &err);
		if (rc != SQLITE_OK) {
			*causep = xasprintf("%s: migration %04d_%s failed: %s",
			    st->path, m->version, m->name,
			    err != NULL ? err : sqlite3_errstr(rc));
			sqlite3_free(err);
			store_rollback(st);
			rc = store_errno(rc);
			goto out;
		}
		log_info("store: applied migration %04d_%s", m->version,
		    m->name);
	}
	rc = store_user_version(st, &st->version);
out:
	if (fk)
		(void)sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL,
		    NULL, NULL);
	return rc;
}

/*
 * Before SQLite initializes: no up-front bulk page-cache allocation per
 * connection (about 87 KiB each, kept until the connection closes); pages
 * are allocated as needed and handed back by store_release_memory(). Fails
 * harmlessly (SQLITE_MISUSE) if SQLite was initialized already.
 */
static void
store_configure(void)
{
	(void)sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
}

/* Open the database at path and bring its schema up to date. */
int
store_open(const char *path, struct store **stp, char **causep)
{
	static pthread_once_t	 once = PTHREAD_ONCE_INIT;
	struct store		*st;
	int			 rc;

	pthread_once(&once, store_configure);
	st = xcalloc(1, sizeof(*st));
	st->path = xstrdup(path);
	/* Created 0600 by us, not with SQLite's umask-derived mode (its
	 * -wal and -shm files copy the database's). */
	if (path[0] == '/' && (rc = open(path, O_RDWR | O_CREAT | O_CLOEXEC,
	    0600)) != -1)
		close(rc);
	rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
	if (rc != SQLITE_OK) {
		*causep = xasprintf("%s: cannot open database: %s", path,
		    st->db != NULL ? sqlite3_errmsg(st->db) :
		    sqlite3_errstr(rc));
		rc = store_errno(rc);
		goto fail;
	}
	sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
	sqlite3_extended_result_codes(st->db, 1);
	/* Refuse a newer schema before anything (even WAL) writes the file. */
	if ((rc = store_user_version(st, &st->version)) != 0) {
		*causep = xasprintf("%s: not a usable database: %s", path,
		    sqlite3_errmsg(st->db));
		goto fail;
	}
	if (st->version > store_nmigrations) {
		*causep = xasprintf("%s: database schema version %d is newer "
		    "than this mlxd knows (%d); refusing to touch it — run a "
		    "newer mlxd or point --data-dir elsewhere", path,
		    st->version, store_nmigrations);
		rc = -EPROTO;
		goto fail;
	}
	/* A bounded page cache (512 KiB) per connection: idle RSS. */
	if ((rc = sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;"
	    "PRAGMA foreign_keys=ON;PRAGMA synchronous=NORMAL;"
	    "PRAGMA cache_size=-512;",
	    NULL, NULL, NULL)) != SQLITE_OK) {
		*causep = xasprintf("%s: %s", path, sqlite3_errmsg(st->db));
		rc = store_errno(rc);
		goto fail;
	}
	if ((rc = store_migrate(st, store_nmigrations, causep)) != 0)
		goto fail;
	*stp = st;
	return 0;
fail:
	store_close(st);
	return rc;
}

/* Close the database; accepts NULL. */
void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	sqlite3_close(st->db);
	free(st->path);
	free(st);
}

/* See store.h. */
void
store_release_memory(struct store *st)
{
	if (st != NULL)
		(void)sqlite3_db_release_memory(st->db);
}

/* Read daemon_meta[key] into *valuep (caller frees); -ENOENT if absent. */
int
store_meta_get(struct store *st, const char *key, char **valuep)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(st->db,
	    "SELECT value FROM daemon_meta WHERE key = ?", -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		goto out;
	sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(stmt);
	if (rc == SQLITE_ROW) {
		*valuep = xstrdup((const char *)sqlite3_column_text(stmt, 0));
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE) {
		sqlite3_finalize(stmt);
		return -ENOENT;
	}
out:
	sqlite3_finalize(stmt);
	return store_errno(rc);
}

/* Set daemon_meta[key] = value. */
int
store_meta_set(struct store *st, const char *key, const char *value)
{
	sqlite3_stmt	*stmt = NULL;
	int		 rc;

	rc = sqlite3_prepare_v2(st->db, "INSERT INTO daemon_meta (key, value) "
	    "VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	    -1, &stmt, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(stmt);
	}
	sqlite3_finalize(stmt);
	return store_errno(rc);
}
