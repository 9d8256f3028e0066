/* SPDX-License-Identifier: ISC */
/*
 * paths.h: where mlxd keeps things by default (design.md "Paths").
 */
#ifndef MLXD_PATHS_H
#define MLXD_PATHS_H

/* Each returns 0 and a malloc'd path, or -ENOENT when $HOME is unknown. */
int	paths_default_socket(char **pathp);
int	paths_default_data_dir(char **pathp);
int	paths_default_config(char **pathp);

/* mkdir -p with mode for each created component; 0 or -errno. */
int	paths_mkdir_p(const char *path, int mode);

/*
 * Take the data directory for this process: an exclusive flock(2) on
 * <dir>/mlxd.lock (created 0600) holding our pid, kept until exit. 0 with
 * the descriptor in *fdp; -EWOULDBLOCK when another process holds it (its
 * pid in *holderp, 0 if unknown); another -errno otherwise.
 */
int	paths_lock_data_dir(const char *dir, int *fdp, long *holderp);

#endif
