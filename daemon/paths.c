/* SPDX-License-Identifier: ISC */
/*
 * paths.c: default locations (XDG on Linux, Application Support on macOS).
 * The socket path comes from libmlxd's mlxd_default_socket_path() so the
 * daemon and its clients can never disagree about it.
 */
#include "config.h"

#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mlxd/mlxd.h>

#include "paths.h"
#include "xmalloc.h"

static const char *
paths_home(void)
{
	const char	*h;
	struct passwd	*pw;

	if ((h = getenv("HOME")) != NULL && *h == '/')
		return h;
	if ((pw = getpwuid(getuid())) != NULL && pw->pw_dir != NULL)
		return pw->pw_dir;
	return NULL;
}

/* The socket path clients use by default (MLXD_SOCKET aside). */
int
paths_default_socket(char **pathp)
{
	return mlxd_default_socket_path(pathp);
}

/* macOS: ~/Library/Application Support/mlxd; else $XDG_DATA_HOME/mlxd. */
int
paths_default_data_dir(char **pathp)
{
	const char	*home = paths_home(), *x;

	if (MLXD_DARWIN) {
		if (home == NULL)
			return -ENOENT;
		*pathp = xasprintf("%s/Library/Application Support/mlxd", home);
		return 0;
	}
	if ((x = getenv("XDG_DATA_HOME")) != NULL && *x == '/') {
		*pathp = xasprintf("%s/mlxd", x);
		return 0;
	}
	if (home == NULL)
		return -ENOENT;
	*pathp = xasprintf("%s/.local/share/mlxd", home);
	return 0;
}

/* $XDG_CONFIG_HOME/mlxd/config.yaml, else ~/.config/mlxd/config.yaml. */
int
paths_default_config(char **pathp)
{
	const char	*home = paths_home(), *x;

	if ((x = getenv("XDG_CONFIG_HOME")) != NULL && *x == '/') {
		*pathp = xasprintf("%s/mlxd/config.yaml", x);
		return 0;
	}
	if (home == NULL)
		return -ENOENT;
	*pathp = xasprintf("%s/.config/mlxd/config.yaml", home);
	return 0;
}

/* Create path and missing parents with mode. */
int
paths_mkdir_p(const char *path, int mode)
{
	char	*p, *s;
	int	 rc = 0;

	p = xstrdup(path);
	for (s = p + 1; ; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
			rc = -errno;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(p);
	return rc;
}
