/* SPDX-License-Identifier: ISC */
/*
 * paths.c: the default socket path, shared by libmlxd and the daemon.
 *
 * This file is compiled into both libmlxd and mlxd so that the daemon and
 * every client compute the same path. It therefore depends on nothing but
 * libc and config.h: no jansson, no curl, no daemon helpers, and it never
 * aborts (out of memory is -ENOMEM).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

/* Store s (from asprintf, n its result) in *pathp. */
static int
paths_result(char **pathp, char *s, int n)
{
	if (n < 0)
		return -ENOMEM;
	*pathp = s;
	return 0;
}

/*
 * $MLXD_SOCKET; else the per-user default: under Application Support on
 * macOS, under $XDG_RUNTIME_DIR elsewhere, with /tmp/mlxd-<uid> as the last
 * resort when there is no runtime directory (e.g. a plain ssh login).
 */
int
mlxd_default_socket_path(char **pathp)
{
	const char	*env;
	char		*s = NULL;
	int		 n;

	if ((env = getenv("MLXD_SOCKET")) != NULL && *env != '\0') {
		n = asprintf(&s, "%s", env);
		return paths_result(pathp, s, n);
	}
	if (MLXD_DARWIN) {
		if ((env = getenv("HOME")) == NULL || *env != '/')
			return -ENOENT;
		n = asprintf(&s, "%s/Library/Application Support/mlxd/mlxd.sock",
		    env);
		return paths_result(pathp, s, n);
	}
	if ((env = getenv("XDG_RUNTIME_DIR")) != NULL && *env == '/')
		n = asprintf(&s, "%s/mlxd/mlxd.sock", env);
	else
		n = asprintf(&s, "/tmp/mlxd-%lu/mlxd.sock",
		    (unsigned long)getuid());
	return paths_result(pathp, s, n);
}
