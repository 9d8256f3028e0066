/* SPDX-License-Identifier: ISC */
/*
 * store.h: the daemon's SQLite database (WAL, foreign keys, busy timeout),
 * its migrations, and small transaction helpers. Per-area statements live in
 * store_<area>.c files; no sqlite3_stmt or SQLite result code leaves them.
 */
#ifndef MLXD_STORE_H
#define MLXD_STORE_H

#include <stdint.h>

#include <sqlite3.h>

struct store {
	sqlite3		*db;
	char		*path;
	int		 version;	/* PRAGMA user_version after migrations */
};

struct store_migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

/* Generated from schema/NNNN_name.sql by schema/embed.py. */
extern const struct store_migration store_migrations[];
extern const int store_nmigrations;

/*
 * Open (creating) the database at path and apply pending migrations, each in
 * one transaction. A database newer than this binary is refused untouched.
 * On failure *causep (caller frees) says why.
 */
int	store_open(const char *path, struct store **stp, char **causep);
void	store_close(struct store *st);

/*
 * Hand back the page cache the connection is not using (idle; the caller
 * must not be using the connection on another thread at the time).
 */
void	store_release_memory(struct store *st);

/*
 * Apply the migrations above user_version up to version to on an open
 * connection (tests use it), each in a transaction with foreign keys off
 * and checked before the commit.
 */
int	store_migrate(struct store *st, int to, char **causep);

int	store_begin(struct store *st);
int	store_commit(struct store *st);
void	store_rollback(struct store *st);

/* Execute SQL without results; 0 or a negative errno. */
int	store_exec(struct store *st, const char *sql);

/* Map an SQLite result code to a negative errno. */
int	store_errno(int sqlite_rc);

/* Get/set a row in daemon_meta. */
int	store_meta_get(struct store *st, const char *key, char **valuep);
int	store_meta_set(struct store *st, const char *key, const char *value);

#endif
