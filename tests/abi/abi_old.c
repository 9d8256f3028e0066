/* SPDX-License-Identifier: ISC */
/*
 * abi_old.c: a program built against an older libmlxd header (mlxd_old.h)
 * running with the current library. Each struct it hands the library sits
 * in a buffer whose bytes past the struct are a guard pattern; the library
 * must leave them alone and still do the work.
 *
 *	abi_old SOCKET
 *	abi_old SOCKET unprepared	(a size of 0 must be refused)
 *
 * Exits 0 when everything holds, 1 with a message otherwise.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlxd_old.h"

#define GUARD		0xA5
#define GUARD_BYTES	256

static int	failures;

static void
fail(const char *what)
{
	fprintf(stderr, "abi_old: %s\n", what);
	failures++;
}

/* A buffer of size + GUARD_BYTES with the guard pattern everywhere. */
static void *
guarded(size_t size)
{
	unsigned char	*p;

	if ((p = malloc(size + GUARD_BYTES)) == NULL) {
		fprintf(stderr, "abi_old: out of memory\n");
		exit(1);
	}
	memset(p, GUARD, size + GUARD_BYTES);
	return p;
}

static void
check_guard(const void *buf, size_t size, const char *what)
{
	const unsigned char	*p = buf;
	size_t			 i;

	for (i = size; i < size + GUARD_BYTES; i++)
		if (p[i] != GUARD) {
			fprintf(stderr, "abi_old: %s: byte %zu past the struct "
			    "was written\n", what, i - size);
			failures++;
			return;
		}
}

int
main(int argc, char **argv)
{
	struct mlxd_client		*c;
	struct mlxd_gen_stats		*st;
	struct mlxd_bench_request	*req;
	struct mlxd_cache_dedup_opts	*o;
	struct mlxd_models		*m;
	const struct mlxd_model		*mod;
	char				*id = NULL, *job = NULL;
	size_t				 i;
	int				 rc;

	if (argc != 2 && argc != 3) {
		fprintf(stderr, "usage: abi_old SOCKET [unprepared]\n");
		return 2;
	}
	if (mlxd_version() < MLXD_OLD_VERSION_NUM)
		fail("the library is older than the header");
	if (mlxd_version_string() == NULL)
		fail("no version string");
	if ((rc = mlxd_client_new(argv[1], &c)) != 0) {
		fprintf(stderr, "abi_old: %s\n", mlxd_strerror(rc));
		return 1;
	}

	if (argc == 3) {
		/* Not prepared with mlxd_gen_stats_init(): size 0. */
		st = guarded(sizeof *st);
		memset(st, 0, sizeof *st);
		rc = mlxd_generate(c, "{\"model\":\"llama3.2\","
		    "\"prompt\":\"hi\"}", NULL, NULL, st);
		if (rc != -EINVAL)
			fail("an unprepared mlxd_gen_stats was accepted");
		check_guard(st, sizeof *st, "unprepared mlxd_gen_stats");
		free(st);
		mlxd_client_free(c);
		return failures == 0 ? 0 : 1;
	}

	/* An output struct: the library writes its figures, no more. */
	st = guarded(sizeof *st);
	mlxd_gen_stats_init(st);
	rc = mlxd_generate(c, "{\"model\":\"llama3.2\",\"prompt\":\"hi\","
	    "\"options\":{\"num_predict\":4}}", NULL, NULL, st);
	if (rc != 0)
		fail(mlxd_strerror(rc));
	check_guard(st, sizeof *st, "mlxd_gen_stats");
	if (st->size != sizeof *st)
		fail("mlxd_gen_stats: size changed");
	if (st->prompt_eval_count <= 0 || st->total_duration_ns <= 0)
		fail("mlxd_gen_stats: figures missing");

	/* Input structs: initialised by the library, read up to their size. */
	req = guarded(sizeof *req);
	mlxd_bench_request_init(req);
	check_guard(req, sizeof *req, "mlxd_bench_request_init");
	if (req->repetitions != MLXD_NULL_INT64 || req->suite != NULL)
		fail("mlxd_bench_request_init: not the defaults");
	req->model = "llama3.2";
	req->repetitions = 1;
	/* The guard bytes would be garbage members if the library read them. */
	if ((rc = mlxd_bench_start(c, req, &id)) != 0)
		fail(mlxd_strerror(rc));
	check_guard(req, sizeof *req, "mlxd_bench_start");

	o = guarded(sizeof *o);
	mlxd_cache_dedup_opts_init(o);
	check_guard(o, sizeof *o, "mlxd_cache_dedup_opts_init");
	if (!o->dry_run)
		fail("mlxd_cache_dedup_opts_init: not a dry run");
	if ((rc = mlxd_cache_dedup(c, o, &job)) != 0)
		fail(mlxd_strerror(rc));

	/* A list whose elements are larger than this program thinks. */
	if ((rc = mlxd_models(c, &m)) != 0)
		fail(mlxd_strerror(rc));
	else {
		if (mlxd_models_count(m) != 5)
			fail("mlxd_models_count");
		for (i = 0; i < mlxd_models_count(m); i++) {
			mod = mlxd_models_get(m, i);
			if (mod == NULL || mod->name == NULL ||
			    strcmp(mod->name, mod->model) != 0)
				fail("mlxd_models_get: a garbled element");
			else
				printf("%s\n", mod->name);
		}
		if (mlxd_models_get(m, i) != NULL)
			fail("mlxd_models_get past the end");
		mlxd_models_free(m);
	}
	printf("bench %s dedup %s\n", id != NULL ? id : "-",
	    job != NULL ? job : "-");
	free(id);
	free(job);
	free(st);
	free(req);
	free(o);
	mlxd_client_free(c);
	return failures == 0 ? 0 : 1;
}
