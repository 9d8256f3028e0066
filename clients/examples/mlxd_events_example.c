/* SPDX-License-Identifier: ISC */
/*
 * mlxd_events_example.c: follow the daemon's event stream with libmlxd and
 * print one line per metrics sample: memory in use, CPU, power, and the
 * token rate of the generations running through mlxd.
 *
 * Build against an installed libmlxd with:
 *	cc mlxd_events_example.c $(pkg-config --cflags --libs libmlxd) -lm
 * Usage: mlxd_events_example [socket-path]   (Ctrl-C stops it)
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <mlxd/mlxd.h>

struct example {
	double	 tokens_per_s;	/* from the latest status event */
};

static int
on_event(void *arg, const char *name, const char *data, size_t len)
{
	struct example		*ex = arg;
	struct mlxd_status	*st;
	struct mlxd_metrics	*m;
	size_t			 i;

	if (strcmp(name, "status") == 0 &&
	    mlxd_status_parse(data, len, &st) == 0) {
		ex->tokens_per_s = st->generation.present ? 0 : NAN;
		for (i = 0; i < st->generation.nactive; i++)
			if (!isnan(st->generation.active[i].tokens_per_s))
				ex->tokens_per_s +=
				    st->generation.active[i].tokens_per_s;
		mlxd_status_free(st);
	} else if (strcmp(name, "metrics") == 0 &&
	    mlxd_metrics_parse(data, len, &m) == 0) {
		printf("%s  mem %5.1f%%  cpu %5.1f%%  power %6.1f W  "
		    "%6.1f tok/s\n", m->t != NULL ? m->t : "?",
		    mlxd_metrics_memory_pct(m), m->cpu.utilization_pct,
		    mlxd_metrics_power_w(m), ex->tokens_per_s);
		fflush(stdout);
		mlxd_metrics_free(m);
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct mlxd_client	*c = NULL;
	struct example		 ex = { NAN };
	int			 rc;

	if ((rc = mlxd_client_new(argc > 1 ? argv[1] : NULL, &c)) != 0) {
		fprintf(stderr, "mlxd_client_new: %s\n", mlxd_strerror(rc));
		return 1;
	}
	/* Returns when the stream ends: MLXD_EAPI says why the daemon ended it. */
	rc = mlxd_events(c, on_event, &ex);
	if (rc == MLXD_EAPI && mlxd_client_last_error(c) != NULL)
		fprintf(stderr, "mlxd_events: %s\n", mlxd_client_last_error(c));
	else if (rc != 0)
		fprintf(stderr, "mlxd_events: %s\n", mlxd_strerror(rc));
	mlxd_client_free(c);
	return rc == 0 ? 0 : 1;
}
