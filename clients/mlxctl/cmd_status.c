/* SPDX-License-Identifier: ISC */
/*
 * cmd_status.c: `mlxctl status` and `mlxctl health`.
 *
 * status shows the daemon, whether it reaches Ollama, and the models
 * Ollama has loaded; health is the one-line liveness check. Sections of
 * /v1/status that are not described here are printed only with --json.
 */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

static const char *
cmd_status_str(const char *s)
{
	return s != NULL && *s != '\0' ? s : "?";
}

static void
cmd_status_ollama(const struct mlxd_status_ollama *o, int64_t now)
{
	char	 seen[OUTPUT_CELL_LEN];

	if (o->connected) {
		printf("Ollama: %sconnected%s", output_style(OUTPUT_GREEN),
		    output_style(OUTPUT_RESET));
		if (o->version != NULL)
			printf(", %s", o->version);
		printf(" at %s\n", cmd_status_str(o->url));
		return;
	}
	printf("Ollama: %snot reachable%s at %s (", output_style(OUTPUT_RED),
	    output_style(OUTPUT_RESET), cmd_status_str(o->url));
	if (o->last_error != NULL)
		printf("last error: %s, ", o->last_error);
	if (o->last_ok_at_ms != MLXD_NULL_INT64) {
		output_reltime(seen, sizeof seen, o->last_ok_at_ms, now);
		printf("last seen %s)\n", seen);
	} else
		printf("never reached)\n");
}

static int
cmd_status_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_status	*st = NULL;
	char			 up[OUTPUT_CELL_LEN];
	int64_t			 now;
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_status_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/status");
	if ((rc = mlxd_status(m->client, &st)) != 0)
		return mlxctl_fail(m, rc);
	now = output_now_ms();

	output_uptime(up, sizeof up, st->daemon.uptime_s);
	printf("mlxd %s, up %s", cmd_status_str(st->daemon.version), up);
	if (st->daemon.pid != MLXD_NULL_INT64)
		printf(" (pid %" PRId64 ")", st->daemon.pid);
	printf("\nsocket: %s\n", st->daemon.socket != NULL ?
	    st->daemon.socket : mlxd_client_socket_path(m->client));
	cmd_status_ollama(&st->ollama, now);

	if (st->ollama.connected) {
		printf("\n");
		if (st->ollama.nrunning == 0)
			printf("No models loaded.\n");
		else
			output_running_table(stdout, st->ollama.running,
			    st->ollama.nrunning, now);
	}
	mlxd_status_free(st);
	return MLXCTL_EXIT_OK;
}

static int
cmd_status_health_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_health	*h = NULL;
	char			 up[OUTPUT_CELL_LEN];
	bool			 ok;
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_health_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/health");
	if ((rc = mlxd_health(m->client, &h)) != 0)
		return mlxctl_fail(m, rc);
	output_uptime(up, sizeof up, h->uptime_s);
	printf("mlxd %s: %s (API version %d, up %s", cmd_status_str(h->version),
	    cmd_status_str(h->status), h->api_version, up);
	if (h->pid != MLXD_NULL_INT64)
		printf(", pid %" PRId64, h->pid);
	printf(")\n");
	/* Scripts can rely on the exit status alone. */
	ok = h->status != NULL && strcmp(h->status, "ok") == 0;
	mlxd_health_free(h);
	return ok ? MLXCTL_EXIT_OK : MLXCTL_EXIT_ERROR;
}

const struct cmd_entry cmd_status_entry = {
	.name = "status",
	.alias = NULL,
	.usage = "",
	.help = "the daemon, its link to Ollama and the loaded models",
	.exec = cmd_status_exec,
};

const struct cmd_entry cmd_health_entry = {
	.name = "health",
	.alias = NULL,
	.usage = "",
	.help = "check that the daemon is up",
	.exec = cmd_status_health_exec,
};
