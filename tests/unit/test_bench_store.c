/* SPDX-License-Identifier: ISC */
/*
 * test_bench_store.c: benchmark runs, tests, samples and sessions round
 * trip through a real SQLite file in a temp dir (all migrations applied by
 * store_open): unknown values stay null, states and times update, samples
 * attach to their tests, lists filter and limit, pruning cascades and
 * keeps running runs.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "bench_stats.h"
#include "bench_suite.h"
#include "store.h"
#include "store_bench.h"
#include "test.h"

static char	dir[64];
static char	db[1200];

static int
setup(void **state)
{
	struct store	*st = NULL;
	char		*cause = NULL;

	snprintf(dir, sizeof(dir), "/tmp/mlxd-test-bench-store-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(db, sizeof(db), "%s/mlxd.db", dir);
	if (store_open(db, &st, &cause) != 0) {
		fprintf(stderr, "store_open: %s\n", cause);
		free(cause);
		return -1;
	}
	*state = st;
	return 0;
}

static int
teardown(void **state)
{
	char	p[1300];

	store_close(*state);
	unlink(db);
	snprintf(p, sizeof(p), "%s-wal", db);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", db);
	unlink(p);
	rmdir(dir);
	return 0;
}

static int64_t
count(struct store *st, const char *sql)
{
	sqlite3_stmt	*stmt;
	int64_t		 n;

	assert_int_equal(sqlite3_prepare_v2(st->db, sql, -1, &stmt, NULL),
	    SQLITE_OK);
	assert_int_equal(sqlite3_step(stmt), SQLITE_ROW);
	n = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return n;
}

static void
insert_run(struct store *st, const char *id, const char *model,
    int64_t created_ns, const char *state)
{
	struct store_bench_run	 r;
	json_t			*opts;

	store_bench_run_init(&r);
	opts = json_pack("{s:i, s:i}", "num_ctx", 4096, "seed", 42);
	r.id = id;
	r.model = model;
	r.suite = "quick";
	r.options = opts;
	r.created_ns = created_ns;
	r.state = state;
	assert_int_equal(store_bench_run_insert(st, &r), 0);
	json_decref(opts);
}

static void
sample(struct bench_sample *s, int rep, int warm, int64_t eval_ns)
{
	bench_stats_sample_init(s);
	s->repetition = rep;
	s->is_warmup = warm;
	s->started_ns = 1700000000000000000LL + rep;
	s->ttft_ns = 120000000LL;
	s->last_token_ns = 120000000LL + 127LL * 20000000LL;
	s->e2e_ns = s->last_token_ns + 1000000LL;
	s->chunks = 128;
	s->prompt_eval_count = 30;
	s->prompt_eval_duration_ns = 30000000LL;
	s->eval_count = 128;
	s->eval_duration_ns = eval_ns;
	s->load_duration_ns = 5000000LL;
	s->total_duration_ns = 3000000000LL;
	snprintf(s->done_reason, sizeof(s->done_reason), "length");
}

static void
test_run_roundtrip(void **state)
{
	struct store		*st = *state;
	struct store_bench_run	 r;
	struct store_bench_update u;
	struct bench_suite_opts	 o;
	struct bench_suite	*suite = NULL;
	struct bench_sample	 s[7];
	struct bench_test_stats	 ts;
	struct bench_check	 c = { 128, 1, 1, 0 };
	json_t			*run, *opts, *tests, *t, *smp, *gen;
	char			 id[BENCH_SUITE_ID_LEN], *cause = NULL;
	int			 i;

	bench_suite_opts_init(&o);
	o.model = "llama3.1:8b";
	o.nonce = "abcd1234";
	assert_int_equal(bench_suite_new("quick", &o, &suite, &cause), 0);
	assert_int_equal(bench_suite_new_id(id, sizeof(id)), 0);

	store_bench_run_init(&r);
	opts = bench_suite_json(suite);
	r.id = id;
	r.model = "llama3.1:8b";
	r.digest = "3f1c0b9e";
	r.quantization = "Q4_K_M";
	r.parameter_size = "8.0B";
	r.model_size_bytes = 4920734016LL;
	r.suite = "quick";
	r.options = opts;
	r.ollama_version = "0.32.15";
	r.chip = "Apple M3 Max";
	r.memory_bytes = 68719476736LL;
	r.os = "macOS 15.5";
	r.thermal_start = "nominal";
	r.power_start = "ac";
	r.created_ns = 1700000000000000000LL;
	assert_int_equal(store_bench_run_insert(st, &r), 0);
	json_decref(opts);
	/* Same id twice, missing fields, unknown state. */
	assert_int_equal(store_bench_run_insert(st, &r), -EEXIST);
	r.id = "other";
	r.state = "sleeping";
	assert_int_equal(store_bench_run_insert(st, &r), -EINVAL);
	r.state = NULL;
	r.model = NULL;
	assert_int_equal(store_bench_run_insert(st, &r), -EINVAL);

	store_bench_update_init(&u);
	u.state = STORE_BENCH_RUNNING;
	assert_int_equal(store_bench_run_update(st, id, &u), 0);
	assert_int_equal(store_bench_run_update(st, "nope", &u), -ENOENT);
	u.state = "bogus";
	assert_int_equal(store_bench_run_update(st, id, &u), -EINVAL);

	/* One warm-up, five measured (one short), one sample of a test with
	 * no aggregate row yet. */
	sample(&s[0], 1, 1, 2560000000LL);
	sample(&s[1], 1, 0, 2560000000LL);	/* 50 t/s */
	sample(&s[2], 2, 0, 2000000000LL);	/* 64 t/s */
	sample(&s[3], 3, 0, 2560000000LL);
	sample(&s[4], 4, 0, 2000000000LL);
	sample(&s[5], 5, 0, 2560000000LL);
	s[5].eval_count = 90;
	snprintf(s[5].done_reason, sizeof(s[5].done_reason), "stop");
	for (i = 0; i < 6; i++) {
		bench_stats_validate(&s[i], &c);
		assert_int_equal(store_bench_sample_insert(st, id, "tg128",
		    &s[i]), 0);
	}
	sample(&s[6], 1, 1, 1000000000LL);
	bench_stats_sample_fail(&s[6], "HTTP 500: out of memory");
	s[6].eval_count = -1;
	assert_int_equal(store_bench_sample_insert(st, id, "pp512", &s[6]), 0);
	assert_int_equal(store_bench_sample_insert(st, "nope", "tg128", &s[1]),
	    -ENOENT);
	bench_stats_aggregate(s, 6, &ts);
	assert_int_equal(ts.n, 4);
	assert_int_equal(store_bench_test_put(st, id, &suite->tests[1], 1,
	    &ts), 0);
	/* Putting it again replaces the row. */
	assert_int_equal(store_bench_test_put(st, id, &suite->tests[1], 1,
	    &ts), 0);
	assert_int_equal(store_bench_test_put(st, "nope", &suite->tests[1], 1,
	    &ts), -ENOENT);

	u.state = STORE_BENCH_DONE;
	u.thermal_end = "fair";
	u.peak_memory_bytes = 7000000000LL;
	assert_int_equal(store_bench_run_update(st, id, &u), 0);

	assert_int_equal(store_bench_run_get(st, "nope", 1, &run), -ENOENT);
	assert_int_equal(store_bench_run_get(st, id, 1, &run), 0);
	assert_string_equal(json_string_value(json_object_get(run, "id")), id);
	assert_string_equal(json_string_value(json_object_get(run, "model")),
	    "llama3.1:8b");
	assert_string_equal(json_string_value(json_object_get(run, "state")),
	    "done");
	assert_string_equal(json_string_value(json_object_get(run,
	    "thermal_end")), "fair");
	assert_int_equal(json_integer_value(json_object_get(run,
	    "peak_memory_bytes")), 7000000000LL);
	assert_int_equal(json_integer_value(json_object_get(run,
	    "memory_bytes")), 68719476736LL);
	assert_true(json_is_null(json_object_get(run, "family")));
	assert_true(json_is_null(json_object_get(run, "n_params")));
	assert_true(json_is_null(json_object_get(run, "error")));
	assert_true(json_is_integer(json_object_get(run, "started_ns")));
	assert_true(json_is_integer(json_object_get(run, "finished_ns")));
	assert_string_equal(json_string_value(json_object_get(run,
	    "created_at")), "2023-11-14T22:13:20.000Z");
	/* Options come back as an object. */
	assert_int_equal(json_integer_value(json_object_get(json_object_get(
	    run, "options"), "num_ctx")), 4096);
	assert_string_equal(json_string_value(json_object_get(json_object_get(
	    run, "options"), "nonce")), "abcd1234");

	tests = json_object_get(run, "tests");
	assert_int_equal(json_array_size(tests), 2);
	t = json_array_get(tests, 0);
	assert_string_equal(json_string_value(json_object_get(t, "name")),
	    "tg128");
	assert_string_equal(json_string_value(json_object_get(t, "kind")),
	    "tg");
	assert_int_equal(json_integer_value(json_object_get(t, "n_gen")), 128);
	assert_int_equal(json_integer_value(json_object_get(t, "n")), 4);
	assert_int_equal(json_integer_value(json_object_get(t, "n_samples")),
	    5);
	assert_int_equal(json_integer_value(json_object_get(t, "n_flagged")),
	    1);
	gen = json_object_get(t, "gen_tps");
	assert_int_equal(json_integer_value(json_object_get(gen, "n")), 4);
	assert_true(fabs(json_real_value(json_object_get(gen, "mean")) -
	    57.0) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(gen, "sd")) -
	    ts.m[BENCH_METRIC_GEN_TPS].sd) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(gen, "cv")) -
	    ts.m[BENCH_METRIC_GEN_TPS].cv) < 1e-12);
	assert_true(json_is_null(json_object_get(gen, "p95")));
	assert_true(fabs(json_real_value(json_object_get(json_object_get(t,
	    "itl_ms"), "mean")) - 20.0) < 1e-9);
	smp = json_object_get(t, "samples");
	assert_int_equal(json_array_size(smp), 6);
	assert_true(json_is_true(json_object_get(json_array_get(smp, 0),
	    "is_warmup")));
	assert_true(json_is_true(json_object_get(json_array_get(smp, 1),
	    "valid")));
	assert_true(json_is_null(json_object_get(json_array_get(smp, 1),
	    "prompt_cached_count")));
	assert_string_equal(json_string_value(json_array_get(json_object_get(
	    json_array_get(smp, 5), "flags"), 0)), "short");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(smp, 5), "done_reason")), "stop");
	assert_true(fabs(json_real_value(json_object_get(json_array_get(smp,
	    1), "gen_tps")) - 50.0) < 1e-9);
	/* The pp512 sample has no test row yet: a stub entry holds it. */
	t = json_array_get(tests, 1);
	assert_string_equal(json_string_value(json_object_get(t, "name")),
	    "pp512");
	smp = json_object_get(t, "samples");
	assert_int_equal(json_array_size(smp), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    smp, 0), "error")), "HTTP 500: out of memory");
	assert_true(json_is_null(json_object_get(json_array_get(smp, 0),
	    "eval_count")));
	json_decref(run);

	/* Without samples. */
	assert_int_equal(store_bench_run_get(st, id, 0, &run), 0);
	tests = json_object_get(run, "tests");
	assert_int_equal(json_array_size(tests), 1);
	assert_null(json_object_get(json_array_get(tests, 0), "samples"));
	json_decref(run);

	assert_int_equal(store_bench_run_delete(st, id), 0);
	assert_int_equal(store_bench_run_delete(st, id), -ENOENT);
	assert_int_equal(count(st, "SELECT count(*) FROM bench_samples"), 0);
	assert_int_equal(count(st, "SELECT count(*) FROM bench_tests"), 0);
	bench_suite_free(suite);
}

static void
test_list_and_prune(void **state)
{
	struct store		*st = *state;
	struct bench_sample	 s;
	json_t			*runs;
	int			 nr = -1, ns = -1;

	insert_run(st, "r1", "a:1b", 1000, STORE_BENCH_DONE);
	insert_run(st, "r2", "b:2b", 2000, STORE_BENCH_FAILED);
	insert_run(st, "r3", "a:1b", 3000, STORE_BENCH_DONE);
	insert_run(st, "r4", "a:1b", 500, STORE_BENCH_RUNNING);
	sample(&s, 1, 0, 2000000000LL);
	assert_int_equal(store_bench_sample_insert(st, "r1", "tg128", &s), 0);
	assert_int_equal(store_bench_sample_insert(st, "r3", "tg128", &s), 0);

	assert_int_equal(store_bench_run_list(st, NULL, 0, &runs), 0);
	assert_int_equal(json_array_size(runs), 4);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(runs, 0), "id")), "r3");	/* newest first */
	assert_true(json_is_array(json_object_get(json_array_get(runs, 0),
	    "tests")));
	json_decref(runs);
	assert_int_equal(store_bench_run_list(st, "a:1b", 2, &runs), 0);
	assert_int_equal(json_array_size(runs), 2);
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(runs, 0), "id")), "r3");
	assert_string_equal(json_string_value(json_object_get(
	    json_array_get(runs, 1), "id")), "r1");
	json_decref(runs);
	assert_int_equal(store_bench_run_list(st, "zzz", 0, &runs), 0);
	assert_int_equal(json_array_size(runs), 0);
	json_decref(runs);

	/* Older than 2500: r1 and r2 go with r1's sample; running r4 stays. */
	assert_int_equal(store_bench_prune(st, 2500, &nr, &ns), 0);
	assert_int_equal(nr, 2);
	assert_int_equal(ns, 0);
	assert_int_equal(count(st, "SELECT count(*) FROM bench_runs"), 2);
	assert_int_equal(count(st, "SELECT count(*) FROM bench_samples"), 1);
	assert_int_equal(store_bench_delete_all(st, &nr, NULL), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(count(st, "SELECT count(*) FROM bench_runs WHERE "
	    "id = 'r4'"), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM bench_samples"), 0);
}

static void
test_sessions(void **state)
{
	struct store			*st = *state;
	struct store_bench_session	 s;
	json_t				*list, *o;
	int64_t				 id1 = 0, id2 = 0;
	int				 nr, ns;
	const char			 bad[] = { 'o', 'k', (char)0xc3, '\0' };

	store_bench_session_init(&s);
	assert_int_equal(store_bench_session_insert(st, &s, NULL), -EINVAL);
	s.model = "llama3.1:8b";
	s.route = "/api/chat";
	s.user_agent = "ollama-python/0.4";
	s.start_ns = 1000;
	s.end_ns = 5000;
	s.ttft_ns = 200;
	s.prompt_eval_count = 100;
	s.prompt_eval_duration_ns = 100000000LL;	/* 1000 t/s */
	s.eval_count = 50;
	s.eval_duration_ns = 1000000000LL;		/* 50 t/s */
	s.done_reason = "stop";
	assert_int_equal(store_bench_session_insert(st, &s, &id1), 0);
	s.model = "qwen3:4b";
	s.route = "/api/generate";
	s.start_ns = 2000;
	s.eval_duration_ns = -1;
	s.prompt_text = "hello";
	s.output_text = bad;	/* a capture cut inside a character */
	s.error = "HTTP 500: boom";
	assert_int_equal(store_bench_session_insert(st, &s, &id2), 0);
	assert_true(id2 > id1);

	assert_int_equal(store_bench_session_list(st, NULL, 0, 0, &list), 0);
	assert_int_equal(json_array_size(list), 2);
	o = json_array_get(list, 0);
	assert_string_equal(json_string_value(json_object_get(o, "model")),
	    "qwen3:4b");
	assert_true(json_is_null(json_object_get(o, "gen_tps")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "output_text")), "ok?");
	assert_string_equal(json_string_value(json_object_get(o,
	    "prompt_text")), "hello");
	o = json_array_get(list, 1);
	assert_true(fabs(json_real_value(json_object_get(o, "gen_tps")) -
	    50.0) < 1e-9);
	assert_true(fabs(json_real_value(json_object_get(o, "prompt_tps")) -
	    1000.0) < 1e-9);
	assert_true(json_is_null(json_object_get(o, "prompt_text")));
	assert_string_equal(json_string_value(json_object_get(o,
	    "user_agent")), "ollama-python/0.4");
	assert_int_equal(json_integer_value(json_object_get(o, "ttft_ns")),
	    200);
	json_decref(list);

	assert_int_equal(store_bench_session_list(st, "llama3.1:8b", 0, 0,
	    &list), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	assert_int_equal(store_bench_session_list(st, NULL, 1500, 0, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);
	assert_int_equal(store_bench_session_list(st, NULL, 0, 1, &list), 0);
	assert_int_equal(json_array_size(list), 1);
	json_decref(list);

	assert_int_equal(store_bench_prune(st, 1500, &nr, &ns), 0);
	assert_int_equal(ns, 1);
	assert_int_equal(store_bench_delete_all(st, &nr, &ns), 0);
	assert_int_equal(ns, 1);
	assert_int_equal(count(st, "SELECT count(*) FROM sessions"), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_run_roundtrip, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_list_and_prune, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_sessions, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
