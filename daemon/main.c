/* SPDX-License-Identifier: ISC */
/*
 * main.c: mlxd's entry point. Parses flags (flag > environment > config
 * file > default), then brings modules up in order — store, HTTP client,
 * HTTP server on the socket, Ollama watcher, signals — runs the loop, and
 * tears everything down in reverse. Startup failures are logged with their
 * cause and exit 1. mlxd never forks: launchd or systemd supervise it.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "bench.h"
#include "cache.h"
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

/* One line per route, for the openapi.yaml test and docs. */
static void
print_route(const struct route *r, void *arg)
{
	(void)arg;
	printf("%s %s%s%s\n", r->method, r->pattern,
	    (r->flags & ROUTE_PUBLIC) ? " public" : "",
	    (r->flags & ROUTE_UNDOC) ? " undocumented" : "");
}

int
main(int argc, char **argv)
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
	struct config_flag	 flags[4];
	struct mlxd		 md;
	uv_loop_t		 loop;
	enum log_level		 lvl;
	char			*cause = NULL, *dbpath;
	const char		*config_path = NULL;
	int			 ch, nflags = 0, check = 0, verbose = 0, rc;
	int			 status = 1;

	while ((ch = getopt_long(argc, argv, "nvVh", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			flags[nflags].name = "socket";
			flags[nflags++].value = optarg;
			break;
		case 'd':
			flags[nflags].name = "data_dir";
			flags[nflags++].value = optarg;
			break;
		case 'l':
			flags[nflags].name = "log_level";
			flags[nflags++].value = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'v':
			verbose++;
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
	if (config_path == NULL && (config_path = getenv("MLXD_CONFIG")) !=
	    NULL && *config_path == '\0')
		config_path = NULL;

	memset(&md, 0, sizeof(md));
	md.config_path = config_path;
	md.config_explicit = config_path != NULL;
	md.flags = flags;
	md.nflags = nflags;
	if (config_load(config_path, md.config_explicit, flags, nflags, &md.cfg,
	    &cause) != 0) {
		print_cause(cause);
		if (check)
			fprintf(stderr, "mlxd: configuration has errors\n");
		free(cause);
		return 1;
	}
	if (check) {
		print_config(md.cfg);
		config_free(md.cfg);
		return 0;
	}

	if (log_level_parse(md.cfg->log_level, &lvl) != 0)
		lvl = LOG_LEVEL_INFO;
	if (verbose > 0)
		lvl = LOG_LEVEL_DEBUG;
	log_init(lvl);
	if (http_probe(md.cfg->socket)) {
		fprintf(stderr, "mlxd: another mlxd is already running on %s\n",
		    md.cfg->socket);
		config_free(md.cfg);
		return 1;
	}
	log_info("mlxd: %s starting (pid %ld)", MLXD_VERSION, (long)getpid());
	if (md.cfg->file != NULL)
		log_info("config: read %s", md.cfg->file);

	md.socket_path = xstrdup(md.cfg->socket);
	md.data_dir = xstrdup(md.cfg->data_dir);
	md.started_at = time(NULL);
	md.started_mono_ms = uv_hrtime() / 1000000ULL;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_warnx("mlxd: curl_global_init failed");
		goto out_cfg;
	}
	state_init();
	if ((rc = uv_loop_init(&loop)) != 0) {
		log_warnx("mlxd: uv_loop_init: %s", uv_strerror(rc));
		goto out_state;
	}
	md.loop = &loop;

	if ((rc = paths_mkdir_p(md.data_dir, 0700)) != 0) {
		log_warnx("mlxd: cannot create data directory %s: %s",
		    md.data_dir, strerror(-rc));
		goto out_loop;
	}
	dbpath = xasprintf("%s/mlxd.db", md.data_dir);
	rc = store_open(dbpath, &md.store, &cause);
	free(dbpath);
	if (rc != 0) {
		log_warnx("store: %s", cause);
		free(cause);
		goto out_loop;
	}
	if ((rc = httpc_new(md.loop, &md.httpc)) != 0) {
		log_warnx("mlxd: cannot start the HTTP client: %s",
		    strerror(-rc));
		goto out_store;
	}
	if ((rc = sampler_start(&md, &md.sampler)) != 0) {
		log_warnx("mlxd: cannot start the metrics sampler: %s",
		    strerror(-rc));
		httpc_free(md.httpc);
		goto out_run;
	}
	if ((rc = http_start(&md, md.socket_path, &md.http, &cause)) != 0) {
		fprintf(stderr, "mlxd: %s\n", cause);
		free(cause);
		httpc_free(md.httpc);
		sampler_stop(md.sampler);
		goto out_run;
	}
	if (*md.cfg->http_listen != '\0' && (rc = http_listen_tcp(md.http,
	    md.cfg->http_listen, ROUTER_LISTENER_TCP, md.cfg->http_allow_remote,
	    md.cfg->http_token, &cause)) != 0) {
		fprintf(stderr, "mlxd: http.listen: %s\n", cause);
		free(cause);
		loop_shutdown(&md);
		goto out_run;
	}
	if (*md.cfg->proxy_listen != '\0' && (rc = http_listen_tcp(md.http,
	    md.cfg->proxy_listen, ROUTER_LISTENER_PROXY, 0, NULL,
	    &cause)) != 0) {
		fprintf(stderr, "mlxd: proxy.listen: %s\n", cause);
		free(cause);
		loop_shutdown(&md);
		goto out_run;
	}
	if ((rc = events_start(&md, &md.events)) != 0 ||
	    (rc = jobs_start(&md, &md.jobs)) != 0 ||
	    (rc = bench_start(&md, &md.bench)) != 0 ||
	    (rc = cache_start(&md, &md.cache)) != 0 ||
	    (rc = proxy_start(&md, &md.proxy)) != 0 ||
	    (rc = ollama_start(&md, &md.ollama)) != 0 ||
	    (rc = loop_signals_start(&md)) != 0) {
		log_warnx("mlxd: startup failed: %s", uv_strerror(rc));
		loop_shutdown(&md);
		goto out_run;
	}
	status = 0;
	uv_run(md.loop, UV_RUN_DEFAULT);
	log_info("mlxd: stopped");
	goto out_close;
out_run:
	/* Let close callbacks of what did start run. */
	uv_run(md.loop, UV_RUN_DEFAULT);
out_close:
	if ((rc = uv_loop_close(md.loop)) != 0) {
		log_warnx("mlxd: loop still has live handles: %s",
		    uv_strerror(rc));
		uv_print_all_handles(md.loop, stderr);
		status = 1;
	}
	md.loop = NULL;
out_store:
	store_close(md.store);
out_loop:
	if (md.loop != NULL)
		uv_loop_close(md.loop);
out_state:
	state_deinit();
	curl_global_cleanup();
out_cfg:
	free(md.socket_path);
	free(md.data_dir);
	config_free(md.cfg);
	return status;
}
