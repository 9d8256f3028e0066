/* SPDX-License-Identifier: ISC */
/*
 * mlxd_status_example.c: print Ollama's state as mlxd sees it, via libmlxd.
 *
 * Build against an installed libmlxd with:
 *	cc mlxd_status_example.c $(pkg-config --cflags --libs libmlxd)
 * Usage: mlxd_status_example [socket-path]
 */
#include <stdio.h>

#include <mlxd/mlxd.h>

int
main(int argc, char **argv)
{
	struct mlxd_client			*c = NULL;
	struct mlxd_status			*st = NULL;
	const struct mlxd_running_model		*m;
	size_t					 i;
	int					 rc;

	if ((rc = mlxd_client_new(argc > 1 ? argv[1] : NULL, &c)) != 0) {
		fprintf(stderr, "client: %s\n", mlxd_strerror(rc));
		return 1;
	}
	if ((rc = mlxd_status(c, &st)) != 0) {
		fprintf(stderr, "status: %s%s%s\n", mlxd_strerror(rc),
		    mlxd_client_last_error(c) != NULL ? ": " : "",
		    mlxd_client_last_error(c) != NULL ?
		    mlxd_client_last_error(c) : "");
		mlxd_client_free(c);
		return 1;
	}
	printf("Ollama at %s: %s\n", st->ollama.url ? st->ollama.url : "?",
	    st->ollama.connected ? "connected" : "not reachable");
	if (st->ollama.version != NULL)
		printf("version %s\n", st->ollama.version);
	/* Accessors, not st->ollama.running[i]: see docs/libmlxd.md. */
	for (i = 0; i < mlxd_status_running_count(st); i++) {
		m = mlxd_status_running_get(st, i);
		printf("loaded: %s (%lld bytes)\n", m->name ? m->name : "?",
		    (long long)m->size_bytes);
	}
	mlxd_status_free(st);
	mlxd_client_free(c);
	return 0;
}
