/* SPDX-License-Identifier: ISC */
/*
 * cmd_models.c: `mlxctl models` (alias `ls`) and `mlxctl ps`.
 *
 * models lists what is installed in Ollama's store, ps what Ollama has
 * loaded in memory, both from the daemon's cache of Ollama's replies. The
 * columns match `ollama list` and `ollama ps`, plus a few of mlxd's own.
 */
#include "config.h"

#include <stdio.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

static int
cmd_models_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_models	*list = NULL;
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_models_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/models");
	if ((rc = mlxd_models(m->client, &list)) != 0)
		return mlxctl_fail(m, rc);
	if (list->nmodels == 0)
		printf("No models installed.\n");
	else
		output_models_table(stdout, list->models, list->nmodels,
		    output_now_ms());
	mlxd_models_free(list);
	return MLXCTL_EXIT_OK;
}

static int
cmd_models_ps_exec(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_running	*run = NULL;
	int			 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_ps_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/models/running");
	if ((rc = mlxd_running(m->client, &run)) != 0)
		return mlxctl_fail(m, rc);
	if (run->nmodels == 0)
		printf("No models loaded.\n");
	else
		output_running_table(stdout, run->models, run->nmodels,
		    output_now_ms());
	mlxd_running_free(run);
	return MLXCTL_EXIT_OK;
}

const struct cmd_entry cmd_models_entry = {
	.name = "models",
	.alias = "ls",
	.usage = "",
	.help = "list the models installed in Ollama",
	.exec = cmd_models_exec,
};

const struct cmd_entry cmd_ps_entry = {
	.name = "ps",
	.alias = NULL,
	.usage = "",
	.help = "list the models loaded in memory",
	.exec = cmd_models_ps_exec,
};
