/* SPDX-License-Identifier: ISC */
/*
 * cmd_config.c: `mlxctl config`, the daemon's effective configuration.
 *
 * Shows every option with its value and where the value came from
 * (default, file, api, env or flag), as the running daemon sees it; mlxctl
 * never reads the config file itself. `config set KEY VALUE` and `config
 * unset KEY` change an option through PATCH /v1/config: VALUE is read as
 * the option's type (a list is comma-separated).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

/* The JSON for text as option o's type, or NULL. */
static json_t *
cmd_config_value(const struct mlxd_config_option *o, const char *text)
{
	json_t		*a;
	const char	*s, *e;
	char		*end;
	long long	 v;

	switch (o->value_json != NULL ? o->value_json[0] : '"') {
	case '[':
		a = json_array();
		for (s = text; *s != '\0'; s = *e == ',' ? e + 1 : e) {
			e = s + strcspn(s, ",");
			if (e > s)
				json_array_append_new(a, json_stringn(s,
				    (size_t)(e - s)));
		}
		return a;
	case 't':
	case 'f':
		if (strcmp(text, "true") == 0 || strcmp(text, "yes") == 0 ||
		    strcmp(text, "on") == 0)
			return json_true();
		if (strcmp(text, "false") == 0 || strcmp(text, "no") == 0 ||
		    strcmp(text, "off") == 0)
			return json_false();
		return NULL;
	case '-':
	case '0': case '1': case '2': case '3': case '4':
	case '5': case '6': case '7': case '8': case '9':
		errno = 0;
		v = strtoll(text, &end, 10);
		if (errno != 0 || end == text || *end != '\0')
			return NULL;
		return json_integer(v);
	default:
		return json_string(text);
	}
}

/* Set key to value (stolen; JSON null unsets it); prints what changed. */
static int
cmd_config_patch(struct mlxctl *m, const char *key, json_t *value)
{
	struct mlxd_config	*cfg = NULL;
	char			*text = NULL;
	size_t			 i;
	int			 rc, unset;

	if ((unset = json_is_null(value)))
		rc = mlxd_config_unset(m->client, key, &cfg);
	else {
		text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
		if (text == NULL)
			output_oom();
		rc = mlxd_config_set(m->client, key, text, &cfg);
		free(text);
	}
	json_decref(value);
	if (rc != 0)
		return mlxctl_fail(m, rc);
	if (m->json)
		output_json_pretty(stdout, cfg->raw_json,
		    strlen(cfg->raw_json));
	else {
		printf("%s %s.\n", key, unset ? "unset" : "set");
		for (i = 0; i < mlxd_config_restart_count(cfg); i++)
			printf("%s takes effect when mlxd restarts.\n",
			    mlxd_config_restart_get(cfg, i));
	}
	mlxd_config_free(cfg);
	return MLXCTL_EXIT_OK;
}

/* mlxctl config set KEY VALUE | unset KEY */
static int
cmd_config_change(struct mlxctl *m, int argc, char **argv)
{
	struct mlxd_config		*cfg = NULL;
	const struct mlxd_config_option	*o = NULL;
	json_t				*v;
	char				 line[1024];
	const char			*value;
	size_t				 i;
	int				 rc, set;

	set = strcmp(argv[1], "set") == 0;

	/* set KEY alone asks for the value on a terminal (the menu bar). */
	if (argc != (set ? 4 : 3) && !(set && argc == 3 &&
	    isatty(STDIN_FILENO)))
		return mlxctl_usage_error(&cmd_config_entry);
	if (!set)
		return cmd_config_patch(m, argv[2], json_null());
	if ((rc = mlxd_config_get(m->client, &cfg)) != 0)
		return mlxctl_fail(m, rc);
	for (i = 0; i < cfg->noptions; i++)
		if (strcmp(cfg->options[i].name, argv[2]) == 0)
			o = &cfg->options[i];
	if (o == NULL) {
		fprintf(stderr, "mlxctl: unknown option '%s' (mlxctl config "
		    "lists them)\n", argv[2]);
		mlxd_config_free(cfg);
		return MLXCTL_EXIT_USAGE;
	}
	if (argc == 3) {
		printf("%s (now %s): ", argv[2], o->value_string != NULL ?
		    o->value_string : o->value_json);
		fflush(stdout);
		if (fgets(line, sizeof line, stdin) == NULL ||
		    (line[strcspn(line, "\r\n")] = '\0', line[0] == '\0')) {
			mlxd_config_free(cfg);
			printf("nothing changed\n");
			return MLXCTL_EXIT_OK;
		}
		value = line;
	} else
		value = argv[3];
	v = cmd_config_value(o, value);
	if (v == NULL) {
		fprintf(stderr, "mlxctl: %s: '%s' is not %s\n", argv[2],
		    value, o->value_json[0] == 't' || o->value_json[0] ==
		    'f' ? "true or false" : "an integer");
		mlxd_config_free(cfg);
		return MLXCTL_EXIT_USAGE;
	}
	mlxd_config_free(cfg);
	return cmd_config_patch(m, argv[2], v);
}

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

	if (argc > 1 && (strcmp(argv[1], "set") == 0 ||
	    strcmp(argv[1], "unset") == 0))
		return cmd_config_change(m, argc, argv);
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
	.usage = "[set KEY VALUE | unset KEY]",
	.help = "show the daemon's configuration, or change an option",
	.exec = cmd_config_exec,
	.verbs = "set:options unset:options",
	.complete = NULL,
};
