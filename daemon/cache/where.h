/* SPDX-License-Identifier: ISC */
/*
 * where.h: where the cache may act. Every path the index records and every
 * path a clean, dedup, remove or add touches goes through these checks:
 * a path is taken in its canonical form (its directory resolved, its last
 * component not followed), it must lie inside the store root it was found
 * under, and a folder the user adds must be one of their own (not the
 * filesystem root, $HOME, an ancestor of it, or a system folder). Shared by
 * the scanners (modelstore*.c), clean/remove (cache_delete.c), adds
 * (cache_add.c, cache_work.c) and dedup (dedup_apply.c, dedup_recover.c);
 * nothing outside daemon/cache/ but its unit tests includes it.
 */
#ifndef MLXD_CACHE_WHERE_H
#define MLXD_CACHE_WHERE_H

/*
 * The canonical form of path without following its last component: the
 * realpath of its directory joined with its base name. NULL with errno set
 * when the directory cannot be resolved. Caller frees.
 */
char	*where_resolve(const char *path);

/*
 * The last folder where_resolve_cached() resolved and its realpath, so that
 * the files of one folder cost one realpath() between them (a scan). Zero
 * it to start; where_dircache_free() when done.
 */
struct where_dircache {
	char	*dir;
	char	*real;
};

/* where_resolve(), reusing c's folder when path is in the same one. */
char	*where_resolve_cached(const char *path, struct where_dircache *c);
void	 where_dircache_free(struct where_dircache *c);

/* 1 if canonical path lies strictly inside canonical folder dir. */
int	where_under(const char *path, const char *dir);

/*
 * 1 if canonical path is the folder dir (taken in its canonical form),
 * lies inside it or holds it; 0 also when dir cannot be resolved. Keeps
 * mlxd's data dir out of the folders the cache indexes.
 */
int	where_overlaps(const char *path, const char *dir);

/*
 * 1 if canonical path still names itself: no component of its directory
 * was swapped for a symlink since it was recorded.
 */
int	where_unchanged(const char *path);

/*
 * Open the folder that holds canonical path, walking from / one component
 * at a time with O_NOFOLLOW, so that a component swapped for a symlink
 * since the path was recorded fails the walk (-ELOOP or -ENOTDIR) instead
 * of being followed. Returns the folder's fd and sets *basep to the last
 * component of path (inside path); the caller acts on that name only
 * relative to the fd (fstatat, unlinkat, renameat, linkat), never by path
 * again, and closes the fd. -EINVAL for a path that is not absolute, has
 * an empty, "." or ".." component, or ends in "/".
 */
int	where_open_parent(const char *path, const char **basep);

/*
 * Remove path (a file or a symlink, never followed) relative to its folder
 * opened with where_open_parent. 0, or -errno (-ENOENT when already gone,
 * -ELOOP or -ENOTDIR when a folder on the way is now a symlink).
 */
int	where_unlink(const char *path);

/*
 * 0 if every existing component of dir below root (root itself taken in
 * its canonical form) is a real folder, not a symlink: what is written in
 * dir then stays inside root. -ELOOP or -ENOTDIR if one is a link or a
 * file, -EINVAL if dir is not root or below it; components that do not
 * exist yet are fine (the caller creates them as real folders).
 */
int	where_real_below(const char *root, const char *dir);

/*
 * Check a folder the user asks the cache to index (file://): its canonical
 * form goes to *canonp (caller frees). Refuses the filesystem root, $HOME
 * and every folder above it, and system folders (-EPERM), a path with "."
 * or ".." segments (-EINVAL), a missing folder (-ENOENT) and a file
 * (-ENOTDIR); *causep (caller frees) says why.
 */
int	where_user_folder(const char *path, char **canonp, char **causep);

#endif
