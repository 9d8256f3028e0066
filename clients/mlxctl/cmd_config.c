/* SPDX-License-Identifier: ISC */
/*
 * cmd_config.c: `mlxctl config`, the daemon's effective configuration.
 *
 * Shows every option with its value and where the value came from
 * (default, file, env or flag), as the running daemon sees it; mlxctl never
 * reads the config file itself.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

static int
cmd_config_exec(struct mlxctl *m, int argc, char **argv)
{
	static const char *const	 hdr[] = { "NAME", "VALUE", "SOURCE" };
	struct mlxd_config		*cfg = NULL;
	const struct mlxd_config_option	*o;
	struct output_table		*t;
	const char			*cells[3];
	char				 source[128];
	size_t				 i;
	int				 rc;

	(void)argv;
	if (argc != 1)
		return mlxctl_usage_error(&cmd_config_entry);
	if (m->json)
		return mlxctl_print_json(m, "/v1/config");
	if ((rc = mlxd_config_get(m->client, &cfg)) != 0)
		return mlxctl_fail(m, rc);

	printf("config file: %s\n\n", cfg->file != NULL ? cfg->file :
	    "none (defaults, environment and flags only)");
	t = output_table_new(3, hdr);
	for (i = 0; i < cfg->noptions; i++) {
		o = &cfg->options[i];
		cells[0] = o->name;
		/* Strings unquoted; numbers, booleans, lists as JSON. */
		if (o->value_string != NULL && *o->value_string != '\0')
			cells[1] = o->value_string;
		else if (o->value_string != NULL)
			cells[1] = "\"\"";
		else
			cells[1] = o->value_json;
		if (o->source != NULL && o->env != NULL &&
		    strcmp(o->source, "env") == 0)
			snprintf(source, sizeof source, "env (%s)", o->env);
		else
			snprintf(source, sizeof source, "%s",
			    o->source != NULL ? o->source : "-");
		cells[2] = source;
		output_table_add(t, cells);
	}
	output_table_print(t, stdout);
	output_table_free(t);
	mlxd_config_free(cfg);
	return MLXCTL_EXIT_OK;
}

const struct cmd_entry cmd_config_entry = {
	.name = "config",
	.alias = NULL,
	.usage = "",
	.help = "show the daemon's effective configuration",
	.exec = cmd_config_exec,
};
