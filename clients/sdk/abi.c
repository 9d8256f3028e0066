/* SPDX-License-Identifier: ISC */
/*
 * abi.c: what keeps programs built against an older libmlxd working with a
 * newer one: the version of the loaded library, and accessors to the
 * elements of the lists in replies, computed with the library's own
 * element sizes (docs/libmlxd.md).
 */
#include "config.h"

#include <stddef.h>

#include <mlxd/mlxd.h>

/* The loaded library's version, as MLXD_VERSION_NUM spells it. */
unsigned int
mlxd_version(void)
{
	return MLXD_VERSION_NUM;
}

/* The loaded library's version as a string. */
const char *
mlxd_version_string(void)
{
	return MLXD_VERSION;
}

/* Element i of an array of n, or NULL when out of range. */
#define ABI_GET(arr, n, i)	((arr) != NULL && (i) < (n) ? &(arr)[i] : NULL)

/* Number of models in a reply of mlxd_models(). */
size_t
mlxd_models_count(const struct mlxd_models *m)
{
	return m != NULL ? m->nmodels : 0;
}

/* Model i of a reply of mlxd_models(), or NULL. */
const struct mlxd_model *
mlxd_models_get(const struct mlxd_models *m, size_t i)
{
	return m != NULL ? ABI_GET(m->models, m->nmodels, i) : NULL;
}

/* Number of models in a reply of mlxd_running(). */
size_t
mlxd_running_count(const struct mlxd_running *r)
{
	return r != NULL ? r->nmodels : 0;
}

/* Model i of a reply of mlxd_running(), or NULL. */
const struct mlxd_running_model *
mlxd_running_get(const struct mlxd_running *r, size_t i)
{
	return r != NULL ? ABI_GET(r->models, r->nmodels, i) : NULL;
}

/* Number of options in a reply of mlxd_config_get(). */
size_t
mlxd_config_count(const struct mlxd_config *cfg)
{
	return cfg != NULL ? cfg->noptions : 0;
}

/* Option i of a reply of mlxd_config_get(), or NULL. */
const struct mlxd_config_option *
mlxd_config_get_option(const struct mlxd_config *cfg, size_t i)
{
	return cfg != NULL ? ABI_GET(cfg->options, cfg->noptions, i) : NULL;
}

/* Number of options of a PATCH reply that wait for a restart. */
size_t
mlxd_config_restart_count(const struct mlxd_config *cfg)
{
	return cfg != NULL ? cfg->nrestart_required : 0;
}

/* Option i of those waiting for a restart, or NULL. */
const char *
mlxd_config_restart_get(const struct mlxd_config *cfg, size_t i)
{
	return cfg != NULL && cfg->restart_required != NULL &&
	    i < cfg->nrestart_required ? cfg->restart_required[i] : NULL;
}

/* Number of sessions in a reply of mlxd_sessions(). */
size_t
mlxd_sessions_count(const struct mlxd_sessions *s)
{
	return s != NULL ? s->nsessions : 0;
}

/* Session i of a reply of mlxd_sessions(), or NULL. */
const struct mlxd_session *
mlxd_sessions_get(const struct mlxd_sessions *s, size_t i)
{
	return s != NULL ? ABI_GET(s->sessions, s->nsessions, i) : NULL;
}

/* Number of runs in a reply of mlxd_bench_list(). */
size_t
mlxd_bench_list_count(const struct mlxd_bench_list *l)
{
	return l != NULL ? l->nruns : 0;
}

/* Run i of a reply of mlxd_bench_list(), or NULL. */
const struct mlxd_bench_run *
mlxd_bench_list_get(const struct mlxd_bench_list *l, size_t i)
{
	return l != NULL ? ABI_GET(l->runs, l->nruns, i) : NULL;
}

/* Number of models in a reply of mlxd_cache_list(). */
size_t
mlxd_cache_list_count(const struct mlxd_cache_list *l)
{
	return l != NULL ? l->nmodels : 0;
}

/* Model i of a reply of mlxd_cache_list(), or NULL. */
const struct mlxd_cache_model *
mlxd_cache_list_get(const struct mlxd_cache_list *l, size_t i)
{
	return l != NULL ? ABI_GET(l->models, l->nmodels, i) : NULL;
}

/* Number of apps in a reply of mlxd_cache_apps(). */
size_t
mlxd_cache_apps_count(const struct mlxd_cache_apps *a)
{
	return a != NULL ? a->napps : 0;
}

/* App i of a reply of mlxd_cache_apps(), or NULL. */
const struct mlxd_cache_app *
mlxd_cache_apps_get(const struct mlxd_cache_apps *a, size_t i)
{
	return a != NULL ? ABI_GET(a->apps, a->napps, i) : NULL;
}

/* Number of loaded models in a status reply. */
size_t
mlxd_status_running_count(const struct mlxd_status *st)
{
	return st != NULL ? st->ollama.nrunning : 0;
}

/* Loaded model i of a status reply, or NULL. */
const struct mlxd_running_model *
mlxd_status_running_get(const struct mlxd_status *st, size_t i)
{
	return st != NULL ? ABI_GET(st->ollama.running, st->ollama.nrunning,
	    i) : NULL;
}

/* Number of running generations in a status reply. */
size_t
mlxd_status_active_count(const struct mlxd_status *st)
{
	return st != NULL ? st->generation.nactive : 0;
}

/* Running generation i of a status reply, or NULL. */
const struct mlxd_generation *
mlxd_status_active_get(const struct mlxd_status *st, size_t i)
{
	return st != NULL ? ABI_GET(st->generation.active,
	    st->generation.nactive, i) : NULL;
}

/* Number of tests of a run. */
size_t
mlxd_bench_run_tests_count(const struct mlxd_bench_run *run)
{
	return run != NULL ? run->ntests : 0;
}

/* Test i of a run, or NULL. */
const struct mlxd_bench_test *
mlxd_bench_run_test(const struct mlxd_bench_run *run, size_t i)
{
	return run != NULL ? ABI_GET(run->tests, run->ntests, i) : NULL;
}

/* Number of compared tests. */
size_t
mlxd_bench_compare_count(const struct mlxd_bench_compare *cmp)
{
	return cmp != NULL ? cmp->ntests : 0;
}

/* Compared test i, or NULL. */
const struct mlxd_bench_compare_test *
mlxd_bench_compare_get(const struct mlxd_bench_compare *cmp, size_t i)
{
	return cmp != NULL ? ABI_GET(cmp->tests, cmp->ntests, i) : NULL;
}
