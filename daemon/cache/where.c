/* SPDX-License-Identifier: ISC */
/*
 * where.c: where the cache may act (where.h). Paths are compared in their
 * canonical form only; a folder the user adds is refused when it is the
 * filesystem root, $HOME or above it, or a system folder, since indexing it
 * would make everything in it a "model" that remove could then delete.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "where.h"
#include "xmalloc.h"

/* Folders (and everything below them) that are the system's. */
static const char *const where_system_trees[] = {
	"/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64",
	"/libx32", "/proc", "/sbin", "/sys", "/usr/bin", "/usr/include",
	"/usr/lib", "/usr/libexec", "/usr/sbin", "/System", "/private/etc",
	"/cores", NULL,
};

/* Folders that are the system's themselves (their subfolders may not be). */
static const char *const where_system_dirs[] = {
	"/home", "/media", "/mnt", "/opt", "/root", "/run", "/srv", "/tmp",
	"/usr", "/usr/local", "/usr/share", "/var", "/var/tmp", "/var/lib",
	"/private", "/private/tmp", "/private/var", "/private/var/folders",
	"/Applications", "/Library", "/Users", "/Volumes", "/Network", NULL,
};

/* The canonical form of path, its last component not followed. */
char *
where_resolve(const char *path)
{
	return where_resolve_cached(path, NULL);
}

/* See where.h; c may be NULL (nothing kept). */
char *
where_resolve_cached(const char *path, struct where_dircache *c)
{
	const char	*slash, *base;
	char		*dir, *real, *out;

	if (path == NULL || path[0] != '/') {
		errno = EINVAL;
		return NULL;
	}
	slash = strrchr(path, '/');
	base = slash + 1;
	if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return realpath(path, NULL);
	dir = slash == path ? xstrdup("/") :
	    xstrndup(path, (size_t)(slash - path));
	if (c != NULL && c->dir != NULL && strcmp(c->dir, dir) == 0) {
		free(dir);
		real = c->real;
	} else {
		if ((real = realpath(dir, NULL)) == NULL) {
			free(dir);
			return NULL;
		}
		if (c != NULL) {
			where_dircache_free(c);
			c->dir = dir;
			c->real = real;
		} else
			free(dir);
	}
	out = xasprintf("%s%s%s", real, strcmp(real, "/") == 0 ? "" : "/",
	    base);
	if (c == NULL)
		free(real);
	return out;
}

/* Forget the kept folder. */
void
where_dircache_free(struct where_dircache *c)
{
	free(c->dir);
	free(c->real);
	c->dir = c->real = NULL;
}

/* 1 if path lies strictly inside dir. */
int
where_under(const char *path, const char *dir)
{
	size_t	n = strlen(dir);

	if (n == 1 && dir[0] == '/')
		return path[0] == '/' && path[1] != '\0';
	return strncmp(path, dir, n) == 0 && path[n] == '/' &&
	    path[n + 1] != '\0';
}

/* 1 if canonical path is dir (canonicalized), lies inside it or holds it. */
int
where_overlaps(const char *path, const char *dir)
{
	char	*real;
	int	 hit;

	if ((real = realpath(dir, NULL)) == NULL)
		return 0;
	hit = strcmp(path, real) == 0 || where_under(path, real) ||
	    where_under(real, path);
	free(real);
	return hit;
}

/* 1 if the canonical path's directory still resolves to itself. */
int
where_unchanged(const char *path)
{
	char	*real;
	int	 same;

	if ((real = where_resolve(path)) == NULL)
		return 0;
	same = strcmp(real, path) == 0;
	free(real);
	return same;
}

/* Open the folder of canonical path without following any link. */
int
where_open_parent(const char *path, const char **basep)
{
	const char	*p, *slash, *last;
	char		 comp[NAME_MAX + 1];
	size_t		 n;
	int		 fd, sub;

	if (path == NULL || path[0] != '/' || (last = strrchr(path,
	    '/')) == NULL || last[1] == '\0' || strcmp(last + 1, ".") == 0 ||
	    strcmp(last + 1, "..") == 0)
		return -EINVAL;
	for (p = path + 1; p < last + 1; p = slash + 1) {
		slash = strchr(p, '/');
		n = (size_t)(slash - p);
		if (n == 0 || (n == 1 && p[0] == '.') ||
		    (n == 2 && p[0] == '.' && p[1] == '.'))
			return -EINVAL;
		if (n > NAME_MAX)
			return -ENAMETOOLONG;
	}
	if (strlen(last + 1) > NAME_MAX)
		return -ENAMETOOLONG;
	if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -errno;
	for (p = path + 1; p < last + 1; p = slash + 1) {
		slash = strchr(p, '/');
		n = (size_t)(slash - p);
		memcpy(comp, p, n);
		comp[n] = '\0';
		sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		close(fd);
		if (sub == -1)
			return errno == ELOOP ? -ELOOP : -errno;
		fd = sub;
	}
	*basep = last + 1;
	return fd;
}

/* Remove path relative to its folder opened without following links. */
int
where_unlink(const char *path)
{
	const char	*base;
	int		 fd, rc;

	if ((fd = where_open_parent(path, &base)) < 0)
		return fd;
	rc = unlinkat(fd, base, 0) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

/* Every existing component of dir below root is a real folder. */
int
where_real_below(const char *root, const char *dir)
{
	const char	*p, *slash;
	char		*real, comp[NAME_MAX + 1];
	size_t		 n = strlen(root);
	int		 fd, sub, rc = 0;

	if (strncmp(dir, root, n) != 0 || (dir[n] != '/' && dir[n] != '\0'))
		return -EINVAL;
	if ((real = realpath(root, NULL)) == NULL)
		return errno == ENOENT ? 0 : -errno;
	fd = open(real, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	free(real);
	if (fd == -1)
		return -errno;
	for (p = dir + n; *p == '/'; p = slash) {
		p++;
		if ((slash = strchr(p, '/')) == NULL)
			slash = p + strlen(p);
		if (slash == p || (size_t)(slash - p) > NAME_MAX) {
			rc = slash == p && *slash == '\0' ? 0 : -EINVAL;
			break;
		}
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
			rc = -EINVAL;
			break;
		}
		sub = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC);
		if (sub == -1) {
			rc = errno == ENOENT ? 0 : errno == ELOOP ? -ELOOP :
			    -errno;
			break;
		}
		close(fd);
		fd = sub;
	}
	close(fd);
	return rc;
}

static int
where_in_list(const char *path, const char *const *list, int below)
{
	size_t	i;

	for (i = 0; list[i] != NULL; i++)
		if (strcmp(path, list[i]) == 0 || (below &&
		    where_under(path, list[i])))
			return 1;
	return 0;
}

/* Check a folder the user adds; its canonical form in *canonp. */
int
where_user_folder(const char *path, char **canonp, char **causep)
{
	struct stat	 sb;
	const char	*home, *p;
	char		*real, *rhome = NULL;
	int		 rc = 0;

	*canonp = NULL;
	if (path == NULL || path[0] != '/') {
		*causep = xstrdup("the folder must be an absolute path");
		return -EINVAL;
	}
	for (p = path; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		if ((p[1] == '.' && (p[2] == '/' || p[2] == '\0')) ||
		    (p[1] == '.' && p[2] == '.' && (p[3] == '/' ||
		    p[3] == '\0'))) {
			*causep = xasprintf("%s: a folder path may not contain "
			    "'.' or '..'", path);
			return -EINVAL;
		}
	}
	if (stat(path, &sb) != 0) {
		*causep = xasprintf("%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	if (!S_ISDIR(sb.st_mode)) {
		*causep = xasprintf("%s is not a folder; add the folder that "
		    "holds the weights", path);
		return -ENOTDIR;
	}
	if ((real = realpath(path, NULL)) == NULL) {
		*causep = xasprintf("%s: %s", path, strerror(errno));
		return -ENOENT;
	}
	if ((home = getenv("HOME")) != NULL && home[0] == '/')
		rhome = realpath(home, NULL);
	if (strcmp(real, "/") == 0)
		rc = -EPERM;
	else if (rhome != NULL && (strcmp(real, rhome) == 0 ||
	    where_under(rhome, real)))
		rc = -EPERM;
	else if (where_in_list(real, where_system_trees, 1) ||
	    where_in_list(real, where_system_dirs, 0))
		rc = -EPERM;
	free(rhome);
	if (rc != 0) {
		*causep = xasprintf("%s is %s; add the folder that holds the "
		    "weights", real, strcmp(real, "/") == 0 ? "the filesystem "
		    "root" : where_in_list(real, where_system_trees, 1) ||
		    where_in_list(real, where_system_dirs, 0) ? "a system "
		    "folder" : "your home folder or above it");
		free(real);
		return rc;
	}
	*canonp = real;
	return 0;
}
