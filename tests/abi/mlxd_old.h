/* SPDX-License-Identifier: ISC */
/*
 * mlxd_old.h: an older libmlxd header, as a program built some releases
 * ago would have seen it: the same functions, but its caller-provided
 * structs lack members the current library has, and its reply structs
 * end earlier. abi_old.c is compiled against this header only (never
 * against include/mlxd/mlxd.h) and linked with the current library.
 */
#ifndef MLXD_OLD_H
#define MLXD_OLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MLXD_OLD_VERSION_NUM	0x000100	/* 0.1.0 */
#define MLXD_NULL_INT64		INT64_MIN

struct mlxd_client;

unsigned int	 mlxd_version(void);
const char	*mlxd_version_string(void);
int		 mlxd_client_new(const char *socket_path, struct mlxd_client **cp);
void		 mlxd_client_free(struct mlxd_client *c);
const char	*mlxd_strerror(int err);

/* Fewer members than today's: no cached count, nothing after eval_count. */
struct mlxd_gen_stats {
	size_t		 size;
	int64_t		 total_duration_ns;
	int64_t		 load_duration_ns;
	int64_t		 prompt_eval_count;
};

static inline void
mlxd_gen_stats_init(struct mlxd_gen_stats *st)
{
	*st = (struct mlxd_gen_stats){ .size = sizeof(*st) };
}

struct mlxd_chunk;
typedef int (*mlxd_chunk_cb)(void *arg, const struct mlxd_chunk *chunk);
int	 mlxd_generate(struct mlxd_client *c, const char *json_body,
	     mlxd_chunk_cb cb, void *arg, struct mlxd_gen_stats *statsp);

/* Only model, suite and repetitions. */
struct mlxd_bench_request {
	size_t		 size;
	const char	*model;
	const char	*suite;
	int64_t		 repetitions;
};

void	 mlxd_bench_request_init_size(struct mlxd_bench_request *req,
	     size_t size);
static inline void
mlxd_bench_request_init(struct mlxd_bench_request *req)
{
	mlxd_bench_request_init_size(req, sizeof(*req));
}
int	 mlxd_bench_start(struct mlxd_client *c,
	     const struct mlxd_bench_request *req, char **idp);

/* Only dry_run. */
struct mlxd_cache_dedup_opts {
	size_t		 size;
	bool		 dry_run;
};

void	 mlxd_cache_dedup_opts_init_size(struct mlxd_cache_dedup_opts *o,
	     size_t size);
static inline void
mlxd_cache_dedup_opts_init(struct mlxd_cache_dedup_opts *o)
{
	mlxd_cache_dedup_opts_init_size(o, sizeof(*o));
}
int	 mlxd_cache_dedup(struct mlxd_client *c,
	     const struct mlxd_cache_dedup_opts *o, char **jobp);

/* A reply struct that ended after its first members back then. */
struct mlxd_model {
	const char	*name;
	const char	*model;
};

struct mlxd_models;
int	 mlxd_models(struct mlxd_client *c, struct mlxd_models **mp);
void	 mlxd_models_free(struct mlxd_models *m);
size_t	 mlxd_models_count(const struct mlxd_models *m);
const struct mlxd_model *mlxd_models_get(const struct mlxd_models *m,
	     size_t i);

#endif
