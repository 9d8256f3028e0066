/* SPDX-License-Identifier: ISC */
/*
 * mlxctl.h: mlxctl's command table and the helpers commands share.
 *
 * Each cmd_<group>.c exports one const struct cmd_entry per command;
 * mlxctl.c parses the global flags, picks the entry by name or alias and
 * runs it. Commands talk to the daemon only through libmlxd and return the
 * process exit status.
 */
#ifndef MLXCTL_MLXCTL_H
#define MLXCTL_MLXCTL_H

#include <stdbool.h>

#include <mlxd/mlxd.h>

/* Exit statuses: success, failure (daemon down, API error), bad usage. */
enum mlxctl_exit {
	MLXCTL_EXIT_OK = 0,
	MLXCTL_EXIT_ERROR = 1,
	MLXCTL_EXIT_USAGE = 2,
};

/* What every command gets: the client and the global flags. */
struct mlxctl {
	struct mlxd_client	*client;
	bool			 json;	/* --json: print the API's JSON */
};

struct cmd_entry {
	const char	*name;
	const char	*alias;		/* another name, or NULL */
	const char	*usage;		/* arguments after the name, or "" */
	const char	*help;		/* one line for `mlxctl --help` */
	/* argv[0] is the command name. Returns an enum mlxctl_exit. */
	int		(*exec)(struct mlxctl *m, int argc, char **argv);
};

/* cmd_config.c */
extern const struct cmd_entry	cmd_config_entry;

/* cmd_models.c */
extern const struct cmd_entry	cmd_models_entry;
extern const struct cmd_entry	cmd_ps_entry;

/* cmd_status.c */
extern const struct cmd_entry	cmd_health_entry;
extern const struct cmd_entry	cmd_status_entry;

/* mlxctl.c */
int	 mlxctl_fail(struct mlxctl *m, int rc);
int	 mlxctl_usage_error(const struct cmd_entry *ce);
int	 mlxctl_print_json(struct mlxctl *m, const char *path);

#endif /* MLXCTL_MLXCTL_H */
