/* SPDX-License-Identifier: ISC */
/*
 * paths.c: default locations (XDG on Linux, Application Support on macOS).
 * The socket path comes from libmlxd's mlxd_default_socket_path() so the
 * daemon and its clients can never disagree about it.
 */
#include "config.h"

#include <sys/file.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* Lock the data directory for this process. */
int
paths_lock_data_dir(const char *dir, int *fdp, long *holderp)
{
	char	*path, buf[32];
	ssize_t	 n;
	int	 fd, rc;

	*fdp = -1;
	*holderp = 0;
	path = xasprintf("%s/mlxd.lock", dir);
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	free(path);
	if (fd == -1)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? -EWOULDBLOCK : -errno;
		if ((n = pread(fd, buf, sizeof(buf) - 1, 0)) > 0) {
			buf[n] = '\0';
			*holderp = strtol(buf, NULL, 10);
		}
		close(fd);
		return rc;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, buf, (size_t)n, 0) != n) {
		rc = -errno;
		close(fd);
		return rc;
	}
	*fdp = fd;
	return 0;
}
