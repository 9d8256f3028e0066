/* SPDX-License-Identifier: ISC */
/*
 * mlxctl.c: the mlxd command-line client: global flags and command table.
 *
 * mlxctl [--socket PATH] [--json] [--no-color] <command> [args]. Global
 * flags come before the command (getopt stops at the first non-option, so
 * commands can take their own). Exit statuses: 0 success, 1 failure (daemon
 * not running, API error), 2 usage error. Every command goes through
 * libmlxd; mlxctl never opens the socket itself.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlxd/mlxd.h>

#include "mlxctl.h"
#include "output.h"

/* getopt values of the long-only options. */
#define MLXCTL_OPT_NO_COLOR	256
#define MLXCTL_OPT_MAN		257
#define MLXCTL_OPT_COMPLETION	258

static const struct cmd_entry *const mlxctl_cmds[] = {
	&cmd_status_entry,
	&cmd_models_entry,
	&cmd_ps_entry,
	&cmd_health_entry,
	&cmd_config_entry,
	&cmd_metrics_entry,
	&cmd_system_entry,
	&cmd_top_entry,
	/* generation and benchmarks */
	&cmd_run_entry,
	&cmd_chat_entry,
	&cmd_sessions_entry,
	&cmd_bench_entry,
	&cmd_cache_entry,
	/* end of generation and benchmarks */
	&cmd_service_entry,
	&cmd_complete_entry,	/* hidden: for the shell completions */
};

#define MLXCTL_NCMDS	(sizeof mlxctl_cmds / sizeof mlxctl_cmds[0])

/* The command table, without hidden commands (names starting "__"). */
const struct cmd_entry *const *
mlxctl_commands(size_t *np)
{
	size_t	n = 0;

	while (n < MLXCTL_NCMDS && strncmp(mlxctl_cmds[n]->name, "__", 2) != 0)
		n++;
	*np = n;
	return mlxctl_cmds;
}

/*
 * Print words (space-separated) after column col, breaking lines before
 * 78 columns; continuation lines start at column indent. Ends the line.
 */
static void
mlxctl_wrap(FILE *f, const char *words, size_t col, size_t indent)
{
	const char	*p = words, *end;
	size_t		 n;

	while (*p != '\0') {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			break;
		end = strchr(p, ' ');
		n = end != NULL ? (size_t)(end - p) : strlen(p);
		if (col + 1 + n > 78 && col > indent) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else {
			fputc(' ', f);
			col++;
		}
		fwrite(p, 1, n, f);
		col += n;
		p += n;
	}
	fputc('\n', f);
}

static void
mlxctl_usage(FILE *f)
{
	const struct cmd_entry	*ce;
	char			 name[64];
	char			*def = NULL;
	size_t			 i;

	fprintf(f,
	    "usage: mlxctl [--socket PATH] [--json] [--no-color] <command> "
	    "[args]\n"
	    "       mlxctl --help | --version\n"
	    "\n"
	    "commands:\n");
	for (i = 0; i < MLXCTL_NCMDS; i++) {
		ce = mlxctl_cmds[i];
		if (strncmp(ce->name, "__", 2) == 0)
			continue;
		snprintf(name, sizeof name, "%s%s%s", ce->name,
		    ce->alias != NULL ? ", " : "",
		    ce->alias != NULL ? ce->alias : "");
		if (strlen(name) + 1 + strlen(ce->usage) <= 18) {
			snprintf(name + strlen(name), sizeof name -
			    strlen(name), "%s%s", *ce->usage != '\0' ? " " :
			    "", ce->usage);
			fprintf(f, "  %-18s %s\n", name, ce->help);
			continue;
		}
		/* The whole usage, wrapped, then the help below it. */
		fprintf(f, "  %s", name);
		mlxctl_wrap(f, ce->usage, 2 + strlen(name), 6);
		fprintf(f, "  %-18s %s\n", "", ce->help);
	}
	fprintf(f,
	    "\n"
	    "options:\n"
	    "  -s, --socket PATH  the daemon's socket (default: $MLXD_SOCKET or\n"
	    "                     %s)\n"
	    "  -j, --json         print the API's JSON instead of tables\n"
	    "      --no-color     never use colors (as does NO_COLOR=1)\n"
	    "      --man          print the manual page (mdoc)\n"
	    "      --completion SHELL  print the bash, zsh or fish "
	    "completions\n"
	    "  -h, --help         show this help\n"
	    "  -V, --version      show the version\n",
	    mlxd_default_socket_path(&def) == 0 ? def : "none");
	free(def);
}

static const struct cmd_entry *
mlxctl_lookup(const char *name)
{
	size_t	 i;

	for (i = 0; i < MLXCTL_NCMDS; i++)
		if (strcmp(mlxctl_cmds[i]->name, name) == 0 ||
		    (mlxctl_cmds[i]->alias != NULL &&
		    strcmp(mlxctl_cmds[i]->alias, name) == 0))
			return mlxctl_cmds[i];
	return NULL;
}

static void
mlxctl_cmd_usage(FILE *f, const struct cmd_entry *ce)
{
	fprintf(f, "usage: mlxctl [--socket PATH] [--json] %s%s%s\n",
	    ce->name, *ce->usage != '\0' ? " " : "", ce->usage);
}

/* Print a command's usage on stderr; returns MLXCTL_EXIT_USAGE. */
int
mlxctl_usage_error(const struct cmd_entry *ce)
{
	mlxctl_cmd_usage(stderr, ce);
	return MLXCTL_EXIT_USAGE;
}

/*
 * Explain on stderr why a libmlxd call failed with rc; returns
 * MLXCTL_EXIT_ERROR.
 */
int
mlxctl_fail(struct mlxctl *m, int rc)
{
	const char	*sock = mlxd_client_socket_path(m->client);
	const char	*detail = mlxd_client_last_error(m->client);

	switch (rc) {
	case MLXD_ENODAEMON:
		fprintf(stderr, "mlxctl: mlxd is not running (no answer at %s)\n",
		    sock);
#if MLXD_DARWIN
		/* The agent is normally loaded (at login) but stopped: kickstart;
		 * bootstrap only loads one that launchctl print cannot find. */
		fprintf(stderr, "start it with: launchctl kickstart "
		    "gui/$(id -u)/dev.mlxd.mlxd\n"
		    "  (if not loaded: launchctl bootstrap gui/$(id -u) "
		    "~/Library/LaunchAgents/dev.mlxd.mlxd.plist;\n"
		    "  over SSH without a login session: mlxd)\n");
#else
		fprintf(stderr, "start it with: systemctl --user start mlxd   "
		    "(or run: mlxd)\n");
#endif
		break;
	case MLXD_EAPI:
	case MLXD_EVERSION:
		fprintf(stderr, "mlxctl: %s\n",
		    detail != NULL ? detail : mlxd_strerror(rc));
		break;
	case -EACCES:
		fprintf(stderr, "mlxctl: cannot connect to %s: %s\n", sock,
		    mlxd_strerror(rc));
		break;
	case -ETIMEDOUT:
		fprintf(stderr, "mlxctl: mlxd did not answer in time (at %s)\n",
		    sock);
		break;
	default:
		if (detail != NULL)
			fprintf(stderr, "mlxctl: %s: %s\n", mlxd_strerror(rc),
			    detail);
		else
			fprintf(stderr, "mlxctl: %s\n", mlxd_strerror(rc));
		break;
	}
	return MLXCTL_EXIT_ERROR;
}

/* --json: GET path and print the reply's JSON, indented. */
int
mlxctl_print_json(struct mlxctl *m, const char *path)
{
	char	*body = NULL;
	size_t	 len = 0;
	int	 status = 0, rc;

	if ((rc = mlxd_request(m->client, "GET", path, NULL, 0, &status, &body,
	    &len)) != 0)
		return mlxctl_fail(m, rc);
	if (status < 200 || status > 299) {
		free(body);
		return mlxctl_fail(m, MLXD_EAPI);
	}
	output_json_pretty(stdout, body, len);
	free(body);
	return MLXCTL_EXIT_OK;
}

/* Parse the global flags, then run one command. */
int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-color", no_argument, NULL, MLXCTL_OPT_NO_COLOR },
		{ "man", no_argument, NULL, MLXCTL_OPT_MAN },
		{ "completion", required_argument, NULL,
		    MLXCTL_OPT_COMPLETION },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	const struct cmd_entry		*ce;
	struct mlxctl			 m;
	const char			*socket_path = NULL;
	bool				 no_color = false;
	int				 ch, rc, ret;

	memset(&m, 0, sizeof m);
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+:s:jhV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 's':
			socket_path = optarg;
			break;
		case 'j':
			m.json = true;
			break;
		case MLXCTL_OPT_NO_COLOR:
			no_color = true;
			break;
		case MLXCTL_OPT_MAN:
			cmd_docs_man(stdout);
			return MLXCTL_EXIT_OK;
		case MLXCTL_OPT_COMPLETION:
			if (cmd_docs_completion(stdout, optarg) != 0) {
				fprintf(stderr, "mlxctl: --completion is bash, "
				    "zsh or fish\n");
				return MLXCTL_EXIT_USAGE;
			}
			return MLXCTL_EXIT_OK;
		case 'h':
			mlxctl_usage(stdout);
			return MLXCTL_EXIT_OK;
		case 'V':
			printf("mlxctl %s (API version %d)\n", MLXD_VERSION,
			    MLXD_API_VERSION);
			return MLXCTL_EXIT_OK;
		case ':':
			fprintf(stderr, "mlxctl: option %s needs an argument\n",
			    argv[optind - 1]);
			mlxctl_usage(stderr);
			return MLXCTL_EXIT_USAGE;
		default:
			if (strncmp(argv[optind - 1], "--", 2) == 0)
				fprintf(stderr, "mlxctl: bad option: %s\n",
				    argv[optind - 1]);
			else
				fprintf(stderr, "mlxctl: unknown option: -%c\n",
				    optopt);
			mlxctl_usage(stderr);
			return MLXCTL_EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		mlxctl_usage(stderr);
		return MLXCTL_EXIT_USAGE;
	}
	if ((ce = mlxctl_lookup(argv[0])) == NULL) {
		fprintf(stderr, "mlxctl: unknown command: %s\n", argv[0]);
		mlxctl_usage(stderr);
		return MLXCTL_EXIT_USAGE;
	}
	if (argc > 1 && (strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "--help") == 0)) {
		mlxctl_cmd_usage(stdout, ce);
		printf("%s\n", ce->help);
		return MLXCTL_EXIT_OK;
	}
	if (socket_path != NULL && *socket_path == '\0') {
		fprintf(stderr, "mlxctl: --socket needs a path\n");
		return MLXCTL_EXIT_USAGE;
	}

	output_color_init(no_color);
	if ((rc = mlxd_client_new(socket_path, &m.client)) != 0) {
		if (rc == -ENOMEM)
			output_oom();
		if (socket_path != NULL)
			fprintf(stderr, "mlxctl: bad socket path %s: %s\n",
			    socket_path, mlxd_strerror(rc));
		else
			fprintf(stderr, "mlxctl: no default socket path (%s); "
			    "use --socket or MLXD_SOCKET\n", mlxd_strerror(rc));
		return MLXCTL_EXIT_ERROR;
	}
	ret = ce->exec(&m, argc, argv);
	mlxd_client_free(m.client);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "mlxctl: cannot write output\n");
		return MLXCTL_EXIT_ERROR;
	}
	return ret;
}
