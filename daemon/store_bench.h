/* SPDX-License-Identifier: ISC */
/*
 * store_bench.h: persistence of benchmark runs (bench_runs, bench_tests,
 * bench_samples) and of proxied generation sessions (sessions), schema
 * 0003_bench.sql.
 *
 * Every function runs on the loop thread against the daemon's one
 * connection and returns 0 or a negative errno; SQLite codes stay inside
 * store_bench.c. Strings and JSON passed in are borrowed for the call.
 * JSON results are new references owned by the caller. Integer fields of
 * -1 and NAN reals are stored as NULL (unknown) and read back as JSON null.
 */
#ifndef MLXD_STORE_BENCH_H
#define MLXD_STORE_BENCH_H

#include <stdint.h>

#include <jansson.h>

#include "bench_stats.h"
#include "bench_suite.h"

struct store;

/* Run states, as stored (bench_runs.state CHECK constraint). */
#define STORE_BENCH_QUEUED	"queued"
#define STORE_BENCH_RUNNING	"running"
#define STORE_BENCH_DONE	"done"
#define STORE_BENCH_FAILED	"failed"
#define STORE_BENCH_CANCELLED	"cancelled"
#define STORE_BENCH_INTERRUPTED	"interrupted"	/* cut off by a crash */

/* A new run; NULL strings and -1 integers are stored as NULL. */
struct store_bench_run {
	const char	*id;		/* required: bench_suite_new_id() */
	const char	*model;		/* required */
	const char	*digest;
	const char	*quantization;
	const char	*family;
	const char	*parameter_size;
	int64_t		 n_params;
	const char	*format;
	int64_t		 model_size_bytes;
	int64_t		 ps_size_bytes;
	int64_t		 ps_vram_bytes;
	const char	*suite;		/* required */
	const json_t	*options;	/* e.g. bench_suite_json(); NULL = {} */
	const char	*ollama_version;
	const char	*mlxd_version;
	const char	*chip;
	int64_t		 memory_bytes;
	const char	*os;
	const char	*thermal_start;
	const char	*power_start;
	const char	*state;		/* NULL = queued */
	int64_t		 created_ns;	/* <= 0: now */
};

/*
 * Changes to a run; NULL strings and -1 integers leave a column as it is.
 * Setting state "running" also sets started_ns, a final state (done,
 * failed, cancelled) finished_ns, when not given and not yet set.
 */
struct store_bench_update {
	const char	*state;
	const char	*error;
	int64_t		 started_ns;
	int64_t		 finished_ns;
	const char	*thermal_end;
	const char	*power_end;
	int64_t		 peak_memory_bytes;
	int64_t		 ps_size_bytes;		/* -1: unchanged */
	int64_t		 ps_vram_bytes;		/* -1: unchanged */
	int64_t		 n_params;		/* -1: unchanged */
};

/* A proxied generation; -1 integers and NULL strings are stored as NULL. */
struct store_bench_session {
	const char	*model;		/* required */
	const char	*digest;
	const char	*route;		/* required: "/api/generate", ... */
	const char	*user_agent;
	int64_t		 start_ns;	/* wall clock; required */
	int64_t		 end_ns;
	int64_t		 ttft_ns;
	int64_t		 prompt_eval_count;
	int64_t		 prompt_eval_duration_ns;
	int64_t		 eval_count;
	int64_t		 eval_duration_ns;
	int64_t		 load_ns;
	const char	*done_reason;
	const char	*error;
	int64_t		 peak_memory_bytes;
	const char	*prompt_text;	/* NULL unless text capture is on */
	const char	*output_text;
	const char	*kind;		/* "generate" (NULL) or "embed" */
	const char	*counts_source;	/* "ollama", "openai_usage" or NULL */
	int64_t		 input_count;	/* embed: inputs embedded */
};

/* Unknown values everywhere: -1 integers, NULL strings. */
void	store_bench_update_init(struct store_bench_update *u);
void	store_bench_run_init(struct store_bench_run *run);
void	store_bench_session_init(struct store_bench_session *s);

/*
 * Insert a run. Returns 0, -EINVAL without id, model or suite or with an
 * unknown state, -EEXIST if the id is taken, -EBUSY/-EIO from SQLite.
 */
int	store_bench_run_insert(struct store *st,
	    const struct store_bench_run *run);

/* Apply u to run id. -ENOENT if there is no such run, -EINVAL bad state. */
int	store_bench_run_update(struct store *st, const char *id,
	    const struct store_bench_update *u);

/*
 * Insert one sample of test into run_id (before or after its test row).
 * -ENOENT when the run does not exist.
 */
int	store_bench_sample_insert(struct store *st, const char *run_id,
	    const char *test, const struct bench_sample *s);

/*
 * Insert or replace the aggregate row of test t (at position in the
 * suite) of run_id; call again after each repetition to keep it current.
 * -ENOENT when the run does not exist.
 */
int	store_bench_test_put(struct store *st, const char *run_id,
	    const struct bench_test *t, int position,
	    const struct bench_test_stats *ts);

/*
 * One run as a new JSON object: its columns (options parsed back into an
 * object, *_ns times also as *_at ISO strings) and "tests", an array in
 * suite order of {name, kind, position, n_prompt, n_gen} plus the
 * bench_stats_test_json() fields; with with_samples each test also has
 * "samples" (bench_stats_sample_json() objects in insertion order, with
 * a test entry made up for samples whose test has no row yet).
 * -ENOENT if there is no such run.
 */
int	store_bench_run_get(struct store *st, const char *id, int with_samples,
	    json_t **runp);

/*
 * Runs newest first as a new JSON array of run objects with their tests
 * (no samples); model NULL for every model, limit <= 0 for no limit.
 */
int	store_bench_run_list(struct store *st, const char *model, int limit,
	    json_t **runsp);

/*
 * Start-up reconciliation: a run still queued or running in the database
 * was interrupted (mlxd crashed or was killed); it becomes
 * STORE_BENCH_INTERRUPTED with the error STORE_BENCH_INTERRUPTED_ERROR and
 * a finish time, so retention and deletion treat it as ended. The number
 * changed goes to *nrunsp (may be NULL).
 */
#define STORE_BENCH_INTERRUPTED_ERROR	"interrupted: mlxd stopped before " \
	    "the run finished"
int	store_bench_reconcile(struct store *st, int *nrunsp);

/* Delete one run with its tests and samples. -ENOENT if unknown. */
int	store_bench_run_delete(struct store *st, const char *id);

/*
 * Delete runs created and sessions started before cutoff_ns (wall clock,
 * ns since the epoch) in one transaction. Queued and running runs are
 * kept. The counts deleted go to *nrunsp and *nsessionsp (either may be
 * NULL).
 */
int	store_bench_prune(struct store *st, int64_t cutoff_ns, int *nrunsp,
	    int *nsessionsp);

/* Delete all finished runs and all sessions (as prune with no cutoff). */
int	store_bench_delete_all(struct store *st, int *nrunsp,
	    int *nsessionsp);

/* Insert a session; its new id goes to *idp (may be NULL). */
int	store_bench_session_insert(struct store *st,
	    const struct store_bench_session *s, int64_t *idp);

/*
 * Sessions newest first as a new JSON array: the columns plus gen_tps and
 * prompt_tps (null when unknown) and start_at. model NULL for all, since_ns
 * <= 0 for no lower bound, limit <= 0 for no limit.
 */
int	store_bench_session_list(struct store *st, const char *model,
	    int64_t since_ns, int limit, json_t **sessionsp);

#endif
