/* SPDX-License-Identifier: ISC */
/*
 * main.c: mlxd's entry point. Parses flags (flag > environment > config
 * file > default), blocks the signals it handles, then brings modules up in
 * order — signals, store, HTTP client, modules, Ollama watcher, then the
 * HTTP server on the socket — unblocks the signals, runs the loop, and
 * tears everything down in reverse. Startup failures are logged with their
 * cause and exit 1. mlxd never forks: launchd or systemd supervise it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#if HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


#include "bench.h"
#include "cache.h"
#include "curlapi.h"
#include "events.h"
#include "http.h"
#include "jobs.h"
#include "httpc.h"
#include "log.h"
#include "mlxd.h"
#include "mlxd_config.h"
#include "ollama.h"
#include "paths.h"
#include "proxy.h"
#include "sampler.h"
#include "router.h"
#include "state.h"
#include "store.h"
#include "xmalloc.h"

static void
usage(FILE *fp)
{
	fprintf(fp,
"usage: mlxd [--socket PATH] [--data-dir DIR] [--config FILE]\n"
"            [--log-level LEVEL] [-v] [-n|--check-config] [--version] [--help]\n"
"\n"
"  --socket PATH     Unix socket to serve the API on (MLXD_SOCKET)\n"
"  --data-dir DIR    database and index directory (MLXD_HOME)\n"
"  --config FILE     YAML configuration (MLXD_CONFIG; default\n"
"                    $XDG_CONFIG_HOME/mlxd/config.yaml)\n"
"  --log-level L     error, warn, info or debug (-v is debug)\n"
"  -n, --check-config  check the configuration, print it and exit\n"
"  -V, --version     print the version and exit\n"
"\n"
"mlxd runs in the foreground; launchd or systemd --user keep it running.\n");
}

static void
print_cause(const char *cause)
{
	const char	*p = cause;
	size_t		 n;

	while (*p != '\0') {
		n = strcspn(p, "\n");
		fprintf(stderr, "mlxd: %.*s\n", (int)n, p);
		p += n;
		if (*p == '\n')
			p++;
	}
}

static void
print_config(const struct mlxd_config *cfg)
{
	char	*v;
	int	 i;

	printf("# configuration file: %s\n", cfg->file ? cfg->file :
	    "(none)");
	for (i = 0; i < config_noptions; i++) {
		json_t *j = config_shown_json(cfg, i);
		v = json_dumps(j, JSON_ENCODE_ANY | JSON_COMPACT);
		printf("%-28s %-40s # %s\n", config_options[i].name,
		    v != NULL ? v : "?", config_source_name(cfg->src[i]));
		free(v);
		json_decref(j);
	}
	printf("configuration OK\n");
}

/* Record a flag; a repeated flag replaces the earlier value. */
static void
add_flag(struct config_flag *flags, int *nflags, const char *name,
    const char *value)
{
	int	i;

	for (i = 0; i < *nflags; i++)
		if (strcmp(flags[i].name, name) == 0)
			break;
	flags[i].name = name;
	flags[i].value = value;
	if (i == *nflags)
		(*nflags)++;
}

/*
 * Block the signals mlxd handles before any thread exists: every thread
 * inherits the mask, so they can only reach the loop thread, which unblocks
 * them once its handlers are installed (pending ones are delivered then).
 */
static void
block_signals(sigset_t *old)
{
	sigset_t	set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, old);
	signal(SIGPIPE, SIG_IGN);
}

/* The checks start-up makes before touching anything (also for -n). */
static int
check_startup(const struct mlxd_config *cfg)
{
	char	*cause = NULL;
	int	 bad = 0;

	if (http_check_socket_path(cfg->socket, &cause) != 0) {
		fprintf(stderr, "mlxd: socket: %s\n", cause);
		free(cause);
		cause = NULL;
		bad = 1;
	}
	if (*cfg->http_listen != '\0' && http_check_listen(cfg->http_listen,
	    ROUTER_LISTENER_TCP, cfg->http_allow_remote, &cause) != 0) {
		fprintf(stderr, "mlxd: http.listen: %s\n", cause);
		free(cause);
		cause = NULL;
		bad = 1;
	}
	if (*cfg->proxy_listen != '\0' && http_check_listen(cfg->proxy_listen,
	    ROUTER_LISTENER_PROXY, 0, &cause) != 0) {
		fprintf(stderr, "mlxd: proxy.listen: %s\n", cause);
		free(cause);
		bad = 1;
	}
	return bad ? -EINVAL : 0;
}

/* One line per route, for the openapi.yaml test and docs. */
static void
print_route(const struct route *r, void *arg)
{
	(void)arg;
	printf("%s %s%s%s\n", r->method, r->pattern,
	    (r->flags & ROUTE_PUBLIC) ? " public" : "",
	    (r->flags & ROUTE_UNDOC) ? " undocumented" : "");
}

/* What the command line asks for. */
struct args {
	struct config_flag	 flags[3];	/* one per flag name */
	int			 nflags;
	const char		*config_path;
	int			 check;
	int			 verbose;
};

/* Step 1: the command line. -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct args *a)
{
	static const struct option longopts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "data-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ "config-doc", no_argument, NULL, 'D' },
		{ "routes", no_argument, NULL, 'R' },
		{ "config-man", no_argument, NULL, 'M' },
		{ NULL, 0, NULL, 0 }
	};
	int	ch;

	memset(a, 0, sizeof(*a));
	while ((ch = getopt_long(argc, argv, "nvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			add_flag(a->flags, &a->nflags, "socket", optarg);
			break;
		case 'd':
			add_flag(a->flags, &a->nflags, "data_dir", optarg);
			break;
		case 'l':
			add_flag(a->flags, &a->nflags, "log_level", optarg);
			break;
		case 'c':
			a->config_path = optarg;
			break;
		case 'n':
			a->check = 1;
			break;
		case 'v':
			a->verbose++;
			break;
		case 'V':
			printf("mlxd %s (API v%d)\n", MLXD_VERSION,
			    MLXD_API_VERSION_NUM);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'R':
			router_foreach(print_route, NULL);
			return 0;
		case 'M': {
			char *man = config_doc_mdoc();
			fputs(man, stdout);
			free(man);
			return 0;
		}
		case 'D': {
			char *doc = config_doc_markdown();
			fputs(doc, stdout);
			free(doc);
			return 0;
		}
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mlxd: unexpected argument: %s\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (a->config_path == NULL && (a->config_path =
	    getenv("MLXD_CONFIG")) != NULL && *a->config_path == '\0')
		a->config_path = NULL;
	return -1;
}

/*
 * Step 2: the configuration and every check start-up makes before touching
 * anything; `mlxd -n` stops here. -1 to go on, else the exit status.
 */
static int
load_config(struct args *a, struct mlxd *md)
{
	char	*cause = NULL;

	md->config_path = a->config_path;
	md->config_explicit = a->config_path != NULL;
	md->flags = a->flags;
	md->nflags = a->nflags;
	if (config_load(a->config_path, md->config_explicit, a->flags,
	    a->nflags, &md->cfg, &cause) != 0) {
		print_cause(cause);
		if (a->check)
			fprintf(stderr, "mlxd: configuration has errors\n");
		free(cause);
		return 1;
	}
	if (check_startup(md->cfg) != 0) {
		if (a->check)
			fprintf(stderr, "mlxd: configuration has errors\n");
		config_free(md->cfg);
		return 1;
	}
	if (a->check) {
		print_config(md->cfg);
		config_free(md->cfg);
		return 0;
	}
	return -1;
}

/*
 * Step 3: bring the modules up in order, signals first and the socket last.
 * 0, or -1 when one failed (it said why; everything started is already
 * told to stop).
 */
static int
start_daemon(struct mlxd *md, int *lockfdp)
{
	char	*cause = NULL, *dbpath;
	long	 holder = 0;
	int	 rc;

	if ((rc = loop_signals_start(md)) != 0) {
		log_warnx("mlxd: cannot watch signals: %s", uv_strerror(rc));
		loop_shutdown(md);
		return -1;
	}

	if ((rc = paths_mkdir_p(md->data_dir, 0700)) != 0) {
		log_warnx("mlxd: cannot create data directory %s: %s",
		    md->data_dir, strerror(-rc));
		loop_shutdown(md);
		return -1;
	}
	/* One daemon per data dir: the lock is held until exit. */
	if ((rc = paths_lock_data_dir(md->data_dir, lockfdp, &holder)) != 0) {
		if (rc == -EWOULDBLOCK)
			fprintf(stderr, "mlxd: another mlxd uses %s (pid %ld)\n",
			    md->data_dir, holder);
		else
			log_warnx("mlxd: cannot lock %s: %s", md->data_dir,
			    strerror(-rc));
		loop_shutdown(md);
		return -1;
	}
	dbpath = xasprintf("%s/mlxd.db", md->data_dir);
	rc = store_open(dbpath, &md->store, &cause);
	free(dbpath);
	if (rc != 0) {
		log_warnx("store: %s", cause);
		free(cause);
		loop_shutdown(md);
		return -1;
	}
	if ((rc = httpc_new(md->loop, &md->httpc)) != 0) {
		log_warnx("mlxd: cannot start the HTTP client: %s",
		    strerror(-rc));
		loop_shutdown(md);
		return -1;
	}
	httpc_set_stall_timeout(md->httpc,
	    (long)md->cfg->ollama_stall_timeout_s);
	if ((rc = sampler_start(md, &md->sampler)) != 0) {
		log_warnx("mlxd: cannot start the metrics sampler: %s",
		    strerror(-rc));
		loop_shutdown(md);
		return -1;
	}
	if ((rc = events_start(md, &md->events)) != 0 ||
	    (rc = jobs_start(md, &md->jobs)) != 0 ||
	    (rc = bench_start(md, &md->bench)) != 0 ||
	    (rc = cache_start(md, &md->cache)) != 0 ||
	    (rc = proxy_start(md, &md->proxy)) != 0 ||
	    (rc = ollama_start(md, &md->ollama)) != 0) {
		log_warnx("mlxd: startup failed: %s", uv_strerror(rc));
		loop_shutdown(md);
		return -1;
	}
	/* Serve only once every module has published its state. */
	if ((rc = http_start(md, md->socket_path, &md->http, &cause)) != 0) {
		fprintf(stderr, "mlxd: %s\n", cause);
		free(cause);
		loop_shutdown(md);
		return -1;
	}
	if (*md->cfg->http_listen != '\0' && (rc = http_listen_tcp(md->http,
	    md->cfg->http_listen, ROUTER_LISTENER_TCP,
	    md->cfg->http_allow_remote, md->cfg->http_token, &cause)) != 0) {
		fprintf(stderr, "mlxd: http.listen: %s\n", cause);
		free(cause);
		loop_shutdown(md);
		return -1;
	}
	if (*md->cfg->proxy_listen != '\0' && (rc = http_listen_tcp(md->http,
	    md->cfg->proxy_listen, ROUTER_LISTENER_PROXY, 0, NULL,
	    &cause)) != 0) {
		fprintf(stderr, "mlxd: proxy.listen: %s\n", cause);
		free(cause);
		loop_shutdown(md);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct args		 a;
	sigset_t		 oldmask;
	struct mlxd		 md;
	uv_loop_t		 loop;
	enum log_level		 lvl;
	int			 rc;
	int			 status = 1;
	int			 lockfd = -1;

	block_signals(&oldmask);
	if ((rc = parse_args(argc, argv, &a)) >= 0)
		return rc;
	memset(&md, 0, sizeof(md));
	if ((rc = load_config(&a, &md)) >= 0)
		return rc;

	if (log_level_parse(md.cfg->log_level, &lvl) != 0)
		lvl = LOG_LEVEL_INFO;
	if (a.verbose > 0)
		lvl = LOG_LEVEL_DEBUG;
	log_init(lvl);
	if (http_probe(md.cfg->socket)) {
		fprintf(stderr, "mlxd: another mlxd is already running on %s\n",
		    md.cfg->socket);
		config_free(md.cfg);
		/* Success: launchd's KeepAlive and systemd's Restart=on-failure
		 * would otherwise start a duplicate again and again. */
		return 0;
	}
	log_info("mlxd: %s starting (pid %ld)", MLXD_VERSION, (long)getpid());
	if (md.cfg->file != NULL)
		log_info("config: read %s", md.cfg->file);

#if HAVE_MALLOC_TRIM
	/*
	 * glibc gives each thread that allocates its own arena (up to 8 per
	 * core); every MHD connection thread and threadpool worker would keep
	 * one's pages resident. Two are plenty for a mostly idle daemon.
	 */
#ifdef M_ARENA_MAX
	(void)mallopt(M_ARENA_MAX, 2);
#endif
	/*
	 * A fixed mmap threshold: the 4 MiB read buffers of a dedup or a
	 * download go back to the system when freed, instead of raising
	 * glibc's dynamic threshold and staying in an arena.
	 */
#ifdef M_MMAP_THRESHOLD
	(void)mallopt(M_MMAP_THRESHOLD, 256 * 1024);
#endif
#endif
	md.socket_path = xstrdup(md.cfg->socket);
	md.data_dir = xstrdup(md.cfg->data_dir);
	md.started_at = time(NULL);
	md.started_mono_ms = uv_hrtime() / 1000000ULL;
	state_init();
	if ((rc = uv_loop_init(&loop)) != 0) {
		log_warnx("mlxd: uv_loop_init: %s", uv_strerror(rc));
		goto out_state;
	}
	md.loop = &loop;
	if (start_daemon(&md, &lockfd) != 0)
		goto out_run;
	status = 0;
	/* A signal that came during start-up is delivered here. */
	pthread_sigmask(SIG_SETMASK, &oldmask, NULL);
	uv_run(md.loop, UV_RUN_DEFAULT);
	log_info("mlxd: stopped");
out_run:
	/* Let close callbacks of what did start (and the signal watchers) run. */
	loop_signals_close(&md);
	uv_run(md.loop, UV_RUN_DEFAULT);
	if ((rc = uv_loop_close(md.loop)) != 0) {
		log_warnx("mlxd: loop still has live handles: %s",
		    uv_strerror(rc));
		uv_print_all_handles(md.loop, stderr);
		status = 1;
	}
	md.loop = NULL;
	store_close(md.store);
out_state:
	state_deinit();
	curlapi_shutdown();
	if (lockfd != -1)
		close(lockfd);
	free(md.socket_path);
	free(md.data_dir);
	config_free(md.cfg);
	return status;
}
