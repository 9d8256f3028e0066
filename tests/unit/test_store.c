/* SPDX-License-Identifier: ISC */
/*
 * test_store.c: migrations from an empty database, re-opening, refusing a
 * newer database untouched, the meta table, and the bench_runs rebuild
 * (0007) keeping every run's tests and samples.
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store.h"
#include "test.h"

static char	dir[] = "/tmp/mlxd-test-store-XXXXXX";
static char	db[1200];

static int
setup(void **state)
{
	(void)state;
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(db, sizeof(db), "%s/mlxd.db", dir);
	return 0;
}

static int
teardown(void **state)
{
	char	p[1300];

	(void)state;
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	rmdir(dir);
	return 0;
}

static void
test_migrate_from_empty(void **state)
{
	struct store	*st = NULL;
	char		*cause = NULL, *v = NULL;
	sqlite3_stmt	*stmt;

	(void)state;
	assert_true(store_nmigrations >= 1);
	assert_int_equal(store_open(db, &st, &cause), 0);
	assert_int_equal(st->version, store_nmigrations);
	/* WAL and foreign keys are on. */
	assert_int_equal(sqlite3_prepare_v2(st->db, "PRAGMA journal_mode", -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_string_equal((const char *)sqlite3_column_text(stmt, 0), "wal");
	sqlite3_finalize(stmt);
	assert_int_equal(sqlite3_prepare_v2(st->db, "PRAGMA foreign_keys", -1,
	    &stmt, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(stmt, 0), 1);
	sqlite3_finalize(stmt);

	assert_int_equal(store_meta_get(st, "k", &v), -ENOENT);
	assert_int_equal(store_meta_set(st, "k", "one"), 0);
	assert_int_equal(store_meta_set(st, "k", "two"), 0);
	assert_int_equal(store_meta_get(st, "k", &v), 0);
	assert_string_equal(v, "two");
	free(v);
	store_close(st);

	/* Re-opening applies nothing and keeps data. */
	assert_int_equal(store_open(db, &st, &cause), 0);
	assert_int_equal(store_meta_get(st, "k", &v), 0);
	assert_string_equal(v, "two");
	free(v);
	store_close(st);
}

static void
test_each_step(void **state)
{
	struct store	*st = NULL;
	char		*cause = NULL;
	int		 to;

	(void)state;
	teardown(state);
	assert_int_equal(mkdir(dir, 0700), 0);
	/* Migrate one step at a time from every older schema. */
	assert_int_equal(store_open(db, &st, &cause), 0);
	store_close(st);
	for (to = 0; to < store_nmigrations; to++) {
		teardown(state);
		assert_int_equal(mkdir(dir, 0700), 0);
		st = calloc(1, sizeof(*st));
		st->path = strdup(db);
		assert_int_equal(sqlite3_open(db, &st->db), SQLITE_OK);
		assert_int_equal(store_migrate(st, to, &cause), 0);
		assert_int_equal(st->version, to);
		store_close(st);
		assert_int_equal(store_open(db, &st, &cause), 0);
		assert_int_equal(st->version, store_nmigrations);
		store_close(st);
	}
}

static int
count(sqlite3 *db3, const char *sql)
{
	sqlite3_stmt	*stmt;
	int		 n;

	assert_int_equal(sqlite3_prepare_v2(db3, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

/*
 * A database at 0006 with a run, its test and its sample: the rebuild of
 * bench_runs that allows the 'interrupted' state must keep the children
 * (a DROP TABLE with foreign keys on would cascade-delete them) and leave
 * the foreign keys working.
 */
static void
test_bench_runs_rebuild(void **state)
{
	struct store	*st = NULL;
	char		*cause = NULL;

	(void)state;
	teardown(state);
	assert_int_equal(mkdir(dir, 0700), 0);
	st = calloc(1, sizeof(*st));
	st->path = strdup(db);
	assert_int_equal(sqlite3_open(db, &st->db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(st->db, "PRAGMA foreign_keys=ON", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(store_migrate(st, 6, &cause), 0);
	assert_int_equal(sqlite3_exec(st->db,
	    "INSERT INTO bench_runs (id, model, suite, state, created_ns) "
	    "VALUES ('r1', 'm', 'quick', 'running', 1);"
	    "INSERT INTO bench_tests (run_id, name, kind, position) "
	    "VALUES ('r1', 't', 'gen', 0);"
	    "INSERT INTO bench_samples (run_id, test, repetition) "
	    "VALUES ('r1', 't', 0);", NULL, NULL, NULL), SQLITE_OK);
	/* 0006 refuses the state. */
	assert_int_not_equal(sqlite3_exec(st->db, "UPDATE bench_runs SET "
	    "state = 'interrupted'", NULL, NULL, NULL), SQLITE_OK);
	store_close(st);

	assert_int_equal(store_open(db, &st, &cause), 0);
	assert_true(st->version >= 7);
	assert_int_equal(count(st->db, "SELECT count(*) FROM bench_tests"), 1);
	assert_int_equal(count(st->db, "SELECT count(*) FROM bench_samples"),
	    1);
	assert_int_equal(count(st->db, "PRAGMA foreign_keys"), 1);
	assert_int_equal(count(st->db, "SELECT count(*) FROM sqlite_master "
	    "WHERE type = 'index' AND tbl_name = 'bench_runs' AND "
	    "sql IS NOT NULL"), 3);
	assert_int_equal(sqlite3_exec(st->db, "UPDATE bench_runs SET "
	    "state = 'interrupted'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_not_equal(sqlite3_exec(st->db, "UPDATE bench_runs SET "
	    "state = 'bogus'", NULL, NULL, NULL), SQLITE_OK);
	/* Deleting the run still cascades. */
	assert_int_equal(sqlite3_exec(st->db, "DELETE FROM bench_runs", NULL,
	    NULL, NULL), SQLITE_OK);
	assert_int_equal(count(st->db, "SELECT count(*) FROM bench_tests"), 0);
	assert_int_equal(count(st->db, "SELECT count(*) FROM bench_samples"),
	    0);
	store_close(st);
}

static void
test_newer_refused(void **state)
{
	struct store	*st = NULL;
	sqlite3		*raw;
	char		*cause = NULL, sql[64];
	struct stat	 before, after;

	(void)state;
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d",
	    store_nmigrations + 5);
	assert_int_equal(sqlite3_exec(raw, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(raw);
	assert_int_equal(stat(db, &before), 0);
	assert_int_equal(store_open(db, &st, &cause), -EPROTO);
	assert_null(st);
	assert_non_null(strstr(cause, "newer than this mlxd knows"));
	free(cause);
	assert_int_equal(stat(db, &after), 0);
	assert_int_equal(before.st_size, after.st_size);
	assert_int_equal(sqlite3_open(db, &raw), SQLITE_OK);
	{
		sqlite3_stmt *stmt;
		sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt, NULL);
		assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
		assert_int_equal(sqlite3_column_int(stmt, 0),
		    store_nmigrations + 5);
		sqlite3_finalize(stmt);
	}
	sqlite3_close(raw);
}

static void
test_not_a_database(void **state)
{
	struct store	*st = NULL;
	char		*cause = NULL;
	FILE		*fp;

	(void)state;
	teardown(state);
	assert_int_equal(mkdir(dir, 0700), 0);
	fp = fopen(db, "w");
	fputs("this is not sqlite, just text that is long enough to matter "
	    "for the header check of the file format.........", fp);
	fclose(fp);
	assert_true(store_open(db, &st, &cause) < 0);
	assert_non_null(cause);
	free(cause);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_migrate_from_empty),
		cmocka_unit_test(test_each_step),
		cmocka_unit_test(test_bench_runs_rebuild),
		cmocka_unit_test(test_newer_refused),
		cmocka_unit_test(test_not_a_database),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
