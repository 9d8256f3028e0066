/* SPDX-License-Identifier: ISC */
/*
 * modelstore_int.h: what the modelstore*.c files share and nothing else
 * includes: the state of one scan and the helpers that add to the index.
 * Each helper is defined in modelstore.c unless noted.
 */
#ifndef MLXD_MODELSTORE_INT_H
#define MLXD_MODELSTORE_INT_H

#include <sys/types.h>
#include <sys/stat.h>
#include <stddef.h>
#include <stdint.h>

#include "dedup.h"
#include "modelstore.h"
#include "where.h"

#define MODELSTORE_MAX_DEPTH	24	/* directory levels we descend */

/* Directories already entered, by (dev, inode): stops loops and rewalks. */
struct modelstore_dirset {
	uint64_t	*dev;
	uint64_t	*ino;
	unsigned char	*used;
	size_t		 cap;
	size_t		 n;
};

/* An entry of a store's blobs/ directory. */
struct modelstore_blob {
	char		 name[80];
	size_t		 file;
	char		*path;		/* as listed in blobs/ */
	uint64_t	 size;
	int64_t		 mtime_ns;
};

/* The state of one modelstore_scan() call. */
struct modelstore_scan {
	const struct modelstore_roots	*roots;
	struct modelstore_index		*idx;
	char				**canon;	/* per root or NULL */
	dedup_progress_cb		 cb;
	void				*arg;
	const volatile int		*cancel;
	struct dedup_progress		 prog;
	int64_t				 last_cb_ns;
	int64_t				 now;
	int64_t				 stale_age;
	struct modelstore_dirset	 dirs;
	size_t				 store;
	long				 last_model;	/* tree walk cache */
	struct where_dircache		 dirs_real;	/* last folder */
};

/* 1 if s is exactly n lowercase hex digits. */
int	modelstore_is_hex(const char *s, size_t n);
/* 1 if path is a directory (following links). */
int	modelstore_is_dir(const char *path);
/* First line of a small file, or NULL (caller frees). */
char	*modelstore_read_line(const char *path);

/* Add a directory's (dev, ino); 1 if new, 0 if seen before. */
int	modelstore_dirset_add(struct modelstore_dirset *ds, uint64_t dev,
	    uint64_t ino);

/* 1 once the caller asked to stop. */
int	modelstore_cancelled(const struct modelstore_scan *s);
/*
 * strerror(e), except EPERM: on macOS that is the privacy framework (TCC)
 * refusing Documents, Downloads, Desktop, iCloud or removable volumes to a
 * process without access, and the text says what to grant.
 */
const char *modelstore_strerror(int e);
/* Record a warning about path for the current store. */
void	modelstore_warn(struct modelstore_scan *s, const char *path,
	    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Index of the (new or existing) file entry for a canonical path. */
size_t	modelstore_add_file(struct modelstore_scan *s, const char *path,
	    const struct stat *sb, enum modelstore_digest digest,
	    const char *hex);
/* Index of a new model of the current store. */
size_t	modelstore_add_model(struct modelstore_scan *s, const char *name,
	    const char *revision, const char *path);
/* List file fi in model mi under the model's own name for it. */
void	modelstore_model_add_file(struct modelstore_scan *s, size_t mi,
	    size_t fi, const char *name);
void	modelstore_add_cleanup(struct modelstore_scan *s,
	    enum modelstore_cleanup_kind kind, const char *path, uint64_t size,
	    int64_t mtime_ns, const char *detail);
/* Report an unfinished download or our own temp when it is stale. */
void	modelstore_partial(struct modelstore_scan *s, const char *path,
	    const struct stat *sb, const char *detail);

/* Sorted entry names of a directory; -errno (warned unless absent). */
int	modelstore_list_dir(struct modelstore_scan *s, const char *path,
	    int skip_dot, char ***namesp, size_t *np);
/* Same, keeping only directories (want_dirs) or regular files. */
int	modelstore_list_subdirs(struct modelstore_scan *s, const char *path,
	    int want_dirs, char ***namesp, size_t *np);
void	modelstore_free_names(char **names, size_t n);

/* blobs/ entries: sort, look up by name, free. */
int	modelstore_blob_cmp(const void *a, const void *b);
struct modelstore_blob *modelstore_blob_find(struct modelstore_blob *v,
	    size_t n, const char *name);
void	modelstore_blobs_free(struct modelstore_blob *v, size_t n);
/* Index one blobs/ entry (a regular file, or a symlink's target). */
int	modelstore_scan_blob(struct modelstore_scan *s, const char *path,
	    enum modelstore_digest digest, const char *hex,
	    const struct stat *lsb, const char *what, size_t *fip);

/* The store walkers, in modelstore_ollama.c, _hf.c and _tree.c. */
void	modelstore_scan_ollama(struct modelstore_scan *s, const char *root);
void	modelstore_scan_hf(struct modelstore_scan *s, const char *hub);
void	modelstore_scan_tree(struct modelstore_scan *s, const char *root,
	    enum modelstore_kind kind);

#endif
