/* SPDX-License-Identifier: ISC */
/*
 * dedup_int.h: what dedup.c (finding) and dedup_apply.c (replacing,
 * recovery) share and nobody else uses: progress bookkeeping, whole-file
 * SHA-256 and the keeper ranking.
 */
#ifndef MLXD_DEDUP_INT_H
#define MLXD_DEDUP_INT_H

#include <stdint.h>

#include "dedup.h"
#include "modelstore.h"

#define DEDUP_IO_SIZE	(1024 * 1024)	/* read chunk for hashing and compares */

/* Progress state behind the public struct dedup_progress. */
struct dedup_prog {
	dedup_progress_cb	 cb;
	void			*arg;
	const volatile int	*cancel;
	struct dedup_progress	 p;
	int64_t			 phase_start_ns;
	int64_t			 last_cb_ns;
};

int64_t	dedup_mono_ns(void);
void	dedup_prog_init(struct dedup_prog *pr, dedup_progress_cb cb,
	    void *arg, const volatile int *cancel);
/* Begin a phase with its totals (0 = unknown) and report it. */
void	dedup_prog_phase(struct dedup_prog *pr, enum dedup_phase phase,
	    uint64_t files_total, uint64_t bytes_total);
/* Update rate/ETA and call back, at most every 100 ms unless force. */
void	dedup_prog_update(struct dedup_prog *pr, const char *path, int force);
int	dedup_cancelled(const struct dedup_prog *pr);

/*
 * SHA-256 of an open file read from offset 0 to EOF, as hex; -ESTALE if its
 * length is not expect (UINT64_MAX accepts any), -ECANCELED, -ENOTSUP
 * without libcrypto. pr (may be NULL) gets bytes and cancel checks.
 */
int	dedup_hash_fd(struct dedup_prog *pr, int fd, uint64_t expect,
	    char hex[65]);

/* Keeper preference: lower is better (Ollama blob, HF, LM Studio, local). */
int	dedup_role_rank(enum modelstore_role role);

#endif
