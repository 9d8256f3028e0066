/* SPDX-License-Identifier: ISC */
/*
 * mlxbar.c: the menu-bar plugin for SwiftBar and xbar (macOS) and Argos
 * (GNOME): asks the daemon through libmlxd and prints what menubar.c
 * makes of it.
 *
 * Two modes. By default it prints one refresh and exits, and the host
 * runs it again at the interval in its file name (mlxbar.5s.cgi). With
 * --stream (SwiftBar's streamable plugins) it follows GET /v1/events and
 * prints a full refresh for every status event, each after the first
 * preceded by a "~~~" line, SwiftBar's separator between refreshes; while
 * the daemon is down it says so and reconnects every two seconds. It
 * always exits 0: the hosts replace a failing plugin's menu by an error of
 * their own, and "mlxd is not running" is more useful.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

#include "menubar.h"

#ifndef MLXBAR_MLXCTL_PATH
#define MLXBAR_MLXCTL_PATH	"/usr/local/bin/mlxctl"
#endif

#define MLXBAR_TIMEOUT_MS	3000
#define MLXBAR_RETRY_MS		2000
#define MLXBAR_OPT_DARK		256
#define MLXBAR_OPT_LIGHT	257
#define MLXBAR_OPT_FRAMES	258
#define MLXBAR_LABEL		"dev.mlxd.mlxd"

/*
 * "Start mlxd" on macOS, run as sh -c SCRIPT mlxbar-start gui/<uid>
 * gui/<uid>/<label> <plist>. launchd loads every plist in
 * ~/Library/LaunchAgents at login, so after a clean exit the agent is loaded
 * but stopped and `launchctl bootstrap` fails ("5: Input/output error"):
 * kickstart it, and bootstrap only when `launchctl print` does not find it.
 * No "|" (menu hosts cut parameters there).
 */
static const char mlxbar_start_script[] =
    "if ! /bin/launchctl print \"$2\" >/dev/null 2>&1; then "
    "/bin/launchctl bootstrap \"$1\" \"$3\"; fi; "
    "exec /bin/launchctl kickstart \"$2\"";

struct mlxbar {
	struct mlxd_client	*client;
	struct menubar_opts	 opts;
	struct mlxd_status	*st;
	struct mlxd_metrics	*mt;
	struct mlxd_config	*cfg;
	char			*last;		/* the last refresh printed */
	long			 frames;	/* printed so far */
	long			 max_frames;	/* stop after this many; 0 = never */
	bool			 stream;
};

static const char *
mlxbar_getenv(const char *name)
{
	return getenv(name);
}

/*
 * The mlxctl the actions run: the one asked for (--mlxctl, MLXBAR_MLXCTL)
 * or the installed one when it exists, else the mlxctl beside this mlxbar,
 * else the first on PATH; NULL (no actions) when there is none. buf holds
 * a path found here.
 */
static const char *
mlxbar_find_mlxctl(const char *want, char *buf, size_t len)
{
	char	 self[1024], *slash, *path, *dir;
	ssize_t	 n;

	if (want != NULL && access(want, X_OK) == 0)
		return want;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(buf, len, "%s/mlxctl", self);
			if (access(buf, X_OK) == 0)
				return buf;
		}
	}
	if ((path = getenv("PATH")) == NULL || (path = strdup(path)) == NULL)
		return NULL;
	for (dir = strtok(path, ":"); dir != NULL; dir = strtok(NULL, ":")) {
		snprintf(buf, len, "%s/mlxctl", dir);
		if (*dir == '/' && access(buf, X_OK) == 0) {
			free(path);
			return buf;
		}
	}
	free(path);
	return NULL;
}

/* 1 when mlxctl service install has put mlxd's service file in place. */
static int
mlxbar_login_item(void)
{
	const char	*home = getenv("HOME");
	const char	*xdg = getenv("XDG_CONFIG_HOME");
	char		 p[1100];

	if (home == NULL || *home != '/')
		return -1;
#if MLXD_DARWIN
	snprintf(p, sizeof p, "%s/Library/LaunchAgents/dev.mlxd.mlxd.plist",
	    home);
#else
	if (xdg != NULL && *xdg == '/')
		snprintf(p, sizeof p, "%s/systemd/user/mlxd.service", xdg);
	else
		snprintf(p, sizeof p, "%s/.config/systemd/user/mlxd.service",
		    home);
#endif
	(void)xdg;
	return access(p, F_OK) == 0;
}

/* ollama.poll_interval_ms from the daemon's configuration, or -1. */
static int64_t
mlxbar_poll_ms(const struct mlxd_config *cfg)
{
	size_t	i;

	for (i = 0; cfg != NULL && i < cfg->noptions; i++)
		if (strcmp(cfg->options[i].name, "ollama.poll_interval_ms") ==
		    0 && cfg->options[i].value_json != NULL)
			return strtoll(cfg->options[i].value_json, NULL, 10);
	return -1;
}

static int64_t
mlxbar_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
mlxbar_usage(FILE *f)
{
	fprintf(f,
	    "usage: mlxbar [--socket PATH] [--stream] [--mlxctl PATH]\n"
	    "              [--host swiftbar|xbar|argos] [--dark | --light]\n"
	    "A menu-bar plugin for SwiftBar, xbar and Argos; see "
	    "docs/menubar.md.\n");
}

/*
 * Print one refresh for the current state (err: why the daemon could not
 * be asked). In stream mode identical refreshes are printed once. Returns
 * true once --frames refreshes have been printed.
 */
static bool
mlxbar_refresh(struct mlxbar *b, int err)
{
	struct menubar_state	 s;
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*mem;

	memset(&s, 0, sizeof s);
	s.err = err;
	s.err_detail = err != 0 && err != MLXD_ENODAEMON ?
	    mlxd_client_last_error(b->client) : NULL;
	s.socket_path = mlxd_client_socket_path(b->client);
	s.status = err == 0 ? b->st : NULL;
	s.metrics = err == 0 ? b->mt : NULL;
	s.config_file = b->cfg != NULL ? b->cfg->file : NULL;
	s.poll_ms = mlxbar_poll_ms(b->cfg);
	b->opts.now_ms = mlxbar_now_ms();
	if ((mem = open_memstream(&buf, &len)) == NULL)
		return true;
	menubar_print(mem, &b->opts, &s);
	if (fclose(mem) != 0) {
		free(buf);
		return true;
	}
	if (b->last != NULL && strcmp(b->last, buf) == 0) {
		free(buf);
		return false;
	}
	if (b->stream && b->frames > 0)
		fputs("~~~\n", stdout);
	fputs(buf, stdout);
	fflush(stdout);
	free(b->last);
	b->last = buf;
	b->frames++;
	return b->max_frames > 0 && b->frames >= b->max_frames;
}

static void
mlxbar_fetch_config(struct mlxbar *b)
{
	struct mlxd_config	*cfg = NULL;

	if (mlxd_config_get(b->client, &cfg) != 0)
		return;
	mlxd_config_free(b->cfg);
	b->cfg = cfg;
}

static int
mlxbar_event(void *arg, const char *name, const char *data, size_t len)
{
	struct mlxbar		*b = arg;
	struct mlxd_status	*st = NULL;
	struct mlxd_metrics	*mt = NULL;

	if (strcmp(name, "metrics") == 0) {
		if (mlxd_metrics_parse(data, len, &mt) == 0) {
			mlxd_metrics_free(b->mt);
			b->mt = mt;
		}
		return 0;
	}
	if (strcmp(name, "status") != 0 ||
	    mlxd_status_parse(data, len, &st) != 0)
		return 0;
	mlxd_status_free(b->st);
	b->st = st;
	return mlxbar_refresh(b, 0) ? 1 : 0;
}

static void
mlxbar_sleep_ms(long ms)
{
	struct timespec	 ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void
mlxbar_stream(struct mlxbar *b)
{
	int	 rc;

	for (;;) {
		mlxbar_fetch_config(b);
		rc = mlxd_events(b->client, mlxbar_event, b);
		if (b->max_frames > 0 && b->frames >= b->max_frames)
			return;
		/* The stream ended: the daemon stopped or went away. */
		mlxd_status_free(b->st);
		mlxd_metrics_free(b->mt);
		b->st = NULL;
		b->mt = NULL;
		if (rc == 0 || rc == -ECONNRESET || rc == MLXD_EPROTO)
			rc = MLXD_ENODAEMON;
		if (mlxbar_refresh(b, rc))
			return;
		mlxbar_sleep_ms(MLXBAR_RETRY_MS);
	}
}

static void
mlxbar_once(struct mlxbar *b)
{
	int	 rc;

	if ((rc = mlxd_status(b->client, &b->st)) == 0)
		mlxbar_fetch_config(b);
	mlxbar_refresh(b, rc);
}

/* Parse the flags, detect the host, print once or follow the events. */
int
main(int argc, char **argv)
{
	static const struct option	 longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "stream", no_argument, NULL, 'S' },
		{ "mlxctl", required_argument, NULL, 'm' },
		{ "host", required_argument, NULL, 'H' },
		{ "dark", no_argument, NULL, MLXBAR_OPT_DARK },
		{ "light", no_argument, NULL, MLXBAR_OPT_LIGHT },
		{ "frames", required_argument, NULL, MLXBAR_OPT_FRAMES },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const	 open_argv[] = {
#if MLXD_DARWIN
		"/usr/bin/open", "-t", NULL
#else
		"/usr/bin/xdg-open", NULL
#endif
	};
	const char			*start_argv[8] = { NULL };
	struct mlxbar			 b;
	const char			*socket_path = NULL, *host = NULL;
	const char			*e;
	char				 gui[64], svc[128], plist[1024];
	char				 mlxctl_buf[1100];
	int				 ch, appearance = -1, rc;

	memset(&b, 0, sizeof b);
	menubar_detect(&b.opts, mlxbar_getenv);
	if ((e = getenv("MLXBAR_STREAM")) != NULL && strcmp(e, "1") == 0)
		b.stream = true;
	b.opts.mlxctl = (e = getenv("MLXBAR_MLXCTL")) != NULL && *e != '\0' ?
	    e : MLXBAR_MLXCTL_PATH;
	while ((ch = getopt_long(argc, argv, "s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			socket_path = optarg;
			break;
		case 'S':
			b.stream = true;
			break;
		case 'm':
			b.opts.mlxctl = optarg;
			break;
		case 'H':
			host = optarg;
			break;
		case MLXBAR_OPT_DARK:
			appearance = MENUBAR_APPEARANCE_DARK;
			break;
		case MLXBAR_OPT_LIGHT:
			appearance = MENUBAR_APPEARANCE_LIGHT;
			break;
		case MLXBAR_OPT_FRAMES:
			b.max_frames = strtol(optarg, NULL, 10);
			break;
		case 'h':
			mlxbar_usage(stdout);
			return 0;
		case 'V':
			printf("mlxbar %s (API version %d)\n", MLXD_VERSION,
			    MLXD_API_VERSION);
			return 0;
		default:
			mlxbar_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		mlxbar_usage(stderr);
		return 2;
	}
	if (host != NULL) {
		if (strcmp(host, "swiftbar") == 0)
			b.opts.host = MENUBAR_HOST_SWIFTBAR;
		else if (strcmp(host, "xbar") == 0 ||
		    strcmp(host, "bitbar") == 0)
			b.opts.host = MENUBAR_HOST_XBAR;
		else if (strcmp(host, "argos") == 0)
			b.opts.host = MENUBAR_HOST_ARGOS;
		else {
			mlxbar_usage(stderr);
			return 2;
		}
	}
	if (appearance != -1)
		b.opts.appearance = (enum menubar_appearance)appearance;
	b.opts.mlxctl = mlxbar_find_mlxctl(b.opts.mlxctl, mlxctl_buf,
	    sizeof mlxctl_buf);
	b.opts.login_item = mlxbar_login_item();
	if (socket_path != NULL && *socket_path != '\0')
		b.opts.socket = socket_path;
	b.opts.open_argv = open_argv;
#if MLXD_DARWIN
	if ((e = getenv("HOME")) != NULL && *e == '/') {
		snprintf(gui, sizeof gui, "gui/%u", (unsigned)getuid());
		snprintf(svc, sizeof svc, "%s/%s", gui, MLXBAR_LABEL);
		snprintf(plist, sizeof plist,
		    "%s/Library/LaunchAgents/%s.plist", e, MLXBAR_LABEL);
		start_argv[0] = "/bin/sh";
		start_argv[1] = "-c";
		start_argv[2] = mlxbar_start_script;
		start_argv[3] = "mlxbar-start";
		start_argv[4] = gui;
		start_argv[5] = svc;
		start_argv[6] = plist;
		b.opts.start_argv = start_argv;
	}
#else
	(void)gui;
	(void)svc;
	(void)plist;
	(void)mlxbar_start_script;
	start_argv[0] = "/usr/bin/systemctl";
	start_argv[1] = "--user";
	start_argv[2] = "start";
	start_argv[3] = "mlxd";
	b.opts.start_argv = start_argv;
#endif

	if ((rc = mlxd_client_new(b.opts.socket, &b.client)) != 0) {
		/* Still a valid menu, so the host shows what is wrong. */
		printf("\xe2\x9a\xa0 mlxd\n---\nno socket path: %s | color=red\n",
		    mlxd_strerror(rc));
		return 0;
	}
	mlxd_client_set_timeout_ms(b.client, MLXBAR_TIMEOUT_MS);
	if (b.stream)
		mlxbar_stream(&b);
	else
		mlxbar_once(&b);
	mlxd_status_free(b.st);
	mlxd_metrics_free(b.mt);
	mlxd_config_free(b.cfg);
	mlxd_client_free(b.client);
	free(b.last);
	return 0;
}
