/* SPDX-License-Identifier: ISC */
/*
 * loadgen.c: a small HTTP/1.1 load generator for Unix sockets.
 *
 *   loadgen SOCKET PATH CONNECTIONS SECONDS
 *
 * Opens CONNECTIONS keep-alive connections (one thread each), sends GET PATH
 * back to back on each for SECONDS, and prints requests/s and latency
 * percentiles. Replies are parsed just enough to find their end
 * (Content-Length); any non-200 reply or broken connection is counted as an
 * error. Used by tests/bench/run.py; not a test.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct worker {
	pthread_t	 thread;
	const char	*sock;
	const char	*path;
	double		 seconds;
	uint64_t	*lat_ns;
	size_t		 n, cap;
	uint64_t	 errors;
};

static uint64_t
mono_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static int
connect_unix(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Read one reply; 0 on a 200 with its whole body, -1 otherwise. */
static int
read_reply(int fd, char *buf, size_t cap)
{
	size_t	 len = 0, need = 0;
	char	*end, *cl;
	ssize_t	 n;
	long	 body;

	for (;;) {
		if (len == cap)
			return -1;
		if ((n = read(fd, buf + len, cap - len)) <= 0)
			return -1;
		len += (size_t)n;
		if (need == 0) {
			buf[len < cap ? len : cap - 1] = '\0';
			if ((end = strstr(buf, "\r\n\r\n")) == NULL)
				continue;
			if (strncmp(buf, "HTTP/1.1 200", 12) != 0)
				return -1;
			if ((cl = strcasestr(buf, "\r\nContent-Length:")) == NULL)
				return -1;
			body = strtol(cl + 17, NULL, 10);
			need = (size_t)(end + 4 - buf) + (size_t)body;
		}
		if (len >= need)
			return 0;
	}
}

static void *
worker_run(void *arg)
{
	struct worker	*w = arg;
	char		 req[512], *buf;
	uint64_t	 end, t0;
	int		 fd, len;

	buf = malloc(1 << 20);
	len = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: mlxd\r\n"
	    "\r\n", w->path);
	end = mono_ns() + (uint64_t)(w->seconds * 1e9);
	fd = connect_unix(w->sock);
	while (mono_ns() < end) {
		if (fd < 0 && (fd = connect_unix(w->sock)) < 0) {
			w->errors++;
			usleep(1000);
			continue;
		}
		t0 = mono_ns();
		if (write(fd, req, (size_t)len) != len ||
		    read_reply(fd, buf, 1 << 20) != 0) {
			w->errors++;
			close(fd);
			fd = -1;
			continue;
		}
		if (w->n == w->cap) {
			w->cap = w->cap ? w->cap * 2 : 65536;
			w->lat_ns = realloc(w->lat_ns, w->cap * sizeof(uint64_t));
		}
		w->lat_ns[w->n++] = mono_ns() - t0;
	}
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t	x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	struct worker	*w;
	uint64_t	*all, errors = 0;
	size_t		 total = 0, k = 0;
	double		 secs;
	int		 i, nconn;

	if (argc != 5) {
		fprintf(stderr, "usage: loadgen SOCKET PATH CONNECTIONS "
		    "SECONDS\n");
		return 2;
	}
	nconn = atoi(argv[3]);
	secs = atof(argv[4]);
	w = calloc((size_t)nconn, sizeof(*w));
	for (i = 0; i < nconn; i++) {
		w[i].sock = argv[1];
		w[i].path = argv[2];
		w[i].seconds = secs;
		pthread_create(&w[i].thread, NULL, worker_run, &w[i]);
	}
	for (i = 0; i < nconn; i++) {
		pthread_join(w[i].thread, NULL);
		total += w[i].n;
		errors += w[i].errors;
	}
	all = malloc((total ? total : 1) * sizeof(uint64_t));
	for (i = 0; i < nconn; i++) {
		memcpy(all + k, w[i].lat_ns, w[i].n * sizeof(uint64_t));
		k += w[i].n;
		free(w[i].lat_ns);
	}
	qsort(all, total, sizeof(uint64_t), cmp_u64);
	printf("requests %zu errors %llu seconds %.1f rps %.0f "
	    "p50_ms %.3f p90_ms %.3f p99_ms %.3f max_ms %.3f\n",
	    total, (unsigned long long)errors, secs, total / secs,
	    total ? all[total / 2] / 1e6 : 0.0,
	    total ? all[total * 9 / 10] / 1e6 : 0.0,
	    total ? all[total * 99 / 100] / 1e6 : 0.0,
	    total ? all[total - 1] / 1e6 : 0.0);
	free(all);
	free(w);
	return errors > 0 && total == 0;
}
