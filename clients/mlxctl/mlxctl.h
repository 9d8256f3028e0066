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
#include <stdio.h>

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
	/*
	 * For the man page and shell completions: the verbs, space
	 * separated, each as name[:kind] where kind says what its argument
	 * completes to (models, benchmarks, options); and what the command's
	 * own first argument completes to. NULL when none.
	 */
	const char	*verbs;
	const char	*complete;
};

/* cmd_config.c */
extern const struct cmd_entry	cmd_config_entry;

/* cmd_docs.c: mlxctl(1) and shell completions from the command table */
void	cmd_docs_man(FILE *f);
int	cmd_docs_completion(FILE *f, const char *shell);
extern const struct cmd_entry	cmd_complete_entry;

/* cmd_service.c */
extern const struct cmd_entry	cmd_service_entry;

/* cmd_metrics.c */
extern const struct cmd_entry	cmd_metrics_entry;
extern const struct cmd_entry	cmd_system_entry;

/* cmd_models.c */
extern const struct cmd_entry	cmd_models_entry;
extern const struct cmd_entry	cmd_ps_entry;

/* cmd_status.c */
extern const struct cmd_entry	cmd_health_entry;
extern const struct cmd_entry	cmd_status_entry;

/* cmd_top.c */
extern const struct cmd_entry	cmd_top_entry;

/* mlxctl.c */
const struct cmd_entry *const *mlxctl_commands(size_t *np);
int	 mlxctl_fail(struct mlxctl *m, int rc);
int	 mlxctl_usage_error(const struct cmd_entry *ce);
int	 mlxctl_print_json(struct mlxctl *m, const char *path);

/* ---- generation and benchmarks ---- */

/* cmd_bench.c; `bench compare` exits with this when B regressed. */
#define CMD_BENCH_EXIT_REGRESSION	3
extern const struct cmd_entry	cmd_bench_entry;

/* cmd_run.c */
extern const struct cmd_entry	cmd_run_entry;
extern const struct cmd_entry	cmd_chat_entry;

/*
 * An option of a command: --name VALUE, --name=VALUE or -x VALUE when
 * has_arg (the value goes to *valuep, or is appended to listp[*nlistp]
 * when listp is set), else the flag --name / -x (sets *flagp).
 */
struct cmd_run_opt {
	const char	 *name;
	char		  short_name;	/* or 0 */
	bool		  has_arg;
	const char	**valuep;
	bool		 *flagp;
	const char	**listp;
	size_t		 *nlistp;
};

/*
 * Parse argv[1..argc-1] against opts (ended by a NULL name); options may
 * come anywhere, "--" ends them. Positional arguments go to pos (argc
 * entries) and their count to *nposp. Returns MLXCTL_EXIT_OK, or
 * MLXCTL_EXIT_USAGE after printing the error and ce's usage.
 */
int	 cmd_run_args(const struct cmd_entry *ce, const struct cmd_run_opt *opts,
	     int argc, char **argv, char **pos, int *nposp);
/* The integer s of option opt, from min to max, into *vp; as cmd_run_args(). */
int	 cmd_run_number(const struct cmd_entry *ce, const char *opt,
	     const char *s, long long min, long long max, long long *vp);

/* cmd_sessions.c */
extern const struct cmd_entry	cmd_sessions_entry;

/* cmd_cache.c */
extern const struct cmd_entry	cmd_cache_entry;

/* ---- end of generation and benchmarks ---- */

#endif /* MLXCTL_MLXCTL_H */
