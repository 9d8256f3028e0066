/* SPDX-License-Identifier: ISC */
/*
 * dedup_recover.c: finishing or undoing replacements a crash interrupted.
 *
 * Each unfinished cache_ops row says the furthest step that may have
 * happened (the state is written before the step). planned/temp_created:
 * the target was never touched; remove the temp if it exists. renamed: if
 * the target is still the original inode, the rename did not happen; remove
 * the temp; if the temp is gone, the rename happened and the target (a
 * verified clone or link of the keeper) is kept; if only the temp is left,
 * rename it into place. In-place dedupe never changes content. Afterwards
 * every target is present with its original bytes and no temp remains.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dedup.h"
#include "dedup_int.h"
#include "log.h"
#include "modelstore.h"
#include "osdep.h"
#include "store.h"
#include "store_cache.h"
#include "where.h"
#include "xmalloc.h"

/*
 * The base name of the temp if it lies in the folder of target (as every
 * temp does), else NULL.
 */
static const char *
temp_base(const struct dedup_op *op)
{
	const char	*ts, *ps;

	if (op->temp == NULL || (ts = strrchr(op->target, '/')) == NULL ||
	    (ps = strrchr(op->temp, '/')) == NULL || ts - op->target !=
	    ps - op->temp || strncmp(op->target, op->temp,
	    (size_t)(ts - op->target)) != 0)
		return NULL;
	return ps + 1;
}

/* Decide and finish one interrupted operation. */
static int
recover_one(struct store *st, struct dedup_op *op)
{
	struct stat	 tl, tg;
	int		 have_temp, have_target, dfd = -1, rc;
	const char	*why = NULL, *tbase = NULL, *mbase;

	if (op->kind == DEDUP_OP_DEDUPE) {
		/* The kernel only ever shares identical ranges. */
		why = "interrupted; in-place dedupe never changes content";
		op->state = DEDUP_OP_ROLLED_BACK;
		goto write;
	}
	/*
	 * Everything below is relative to the target's folder opened
	 * without following links: a folder swapped for a symlink since the
	 * crash is not followed (the op is rolled back, nothing touched).
	 */
	dfd = where_open_parent(op->target, &tbase);
	if (dfd < 0 && dfd != -ENOENT) {
		log_warnx("dedup: %s: its folder cannot be opened without "
		    "following a link (%s); left alone", op->target,
		    strerror(-dfd));
		why = "its folder changed since (a symlink?); left alone";
		op->state = DEDUP_OP_ROLLED_BACK;
		goto write;
	}
	mbase = temp_base(op);
	have_temp = dfd >= 0 && mbase != NULL && fstatat(dfd, mbase, &tl,
	    AT_SYMLINK_NOFOLLOW) == 0;
	have_target = dfd >= 0 && fstatat(dfd, tbase, &tg,
	    AT_SYMLINK_NOFOLLOW) == 0;
	switch (op->state) {
	case DEDUP_OP_PLANNED:
	case DEDUP_OP_TEMP_CREATED:
		/* The target was never touched; drop the temp if made. */
		if (have_temp) {
			(void)unlinkat(dfd, mbase, 0);
			(void)osdep_full_sync(dfd);
		}
		why = "interrupted before the rename; temp removed";
		op->state = DEDUP_OP_ROLLED_BACK;
		break;
	case DEDUP_OP_RENAMED:
		if (have_temp) {
			if (have_target && (uint64_t)tg.st_dev ==
			    op->target_dev && (uint64_t)tg.st_ino ==
			    op->target_ino) {
				(void)unlinkat(dfd, mbase, 0);
				why = "interrupted before the rename; temp "
				    "removed";
				op->state = DEDUP_OP_ROLLED_BACK;
			} else if (have_target && tg.st_dev == tl.st_dev &&
			    tg.st_ino == tl.st_ino) {
				(void)unlinkat(dfd, mbase, 0);
				op->state = DEDUP_OP_DONE;
			} else if (!have_target) {
				/* The temp is verified: keep the name. */
				if (renameat(dfd, mbase, dfd, tbase) != 0) {
					rc = -errno;
					log_warn("dedup: recover %s",
					    op->target);
					close(dfd);
					return rc;
				}
				have_target = fstatat(dfd, tbase, &tg,
				    AT_SYMLINK_NOFOLLOW) == 0;
				op->state = DEDUP_OP_DONE;
			} else {
				(void)unlinkat(dfd, mbase, 0);
				why = "target replaced by something else; temp "
				    "removed";
				op->state = DEDUP_OP_ROLLED_BACK;
			}
			(void)osdep_full_sync(dfd);
		} else if (have_target && (uint64_t)tg.st_dev ==
		    op->target_dev && (uint64_t)tg.st_ino == op->target_ino) {
			why = "temp vanished before the rename; target intact";
			op->state = DEDUP_OP_ROLLED_BACK;
		} else if (have_target) {
			(void)osdep_full_sync(dfd);
			op->state = DEDUP_OP_DONE;
		} else {
			log_warnx("dedup: %s is missing after an interrupted "
			    "replace (removed by someone else?)", op->target);
			why = "target missing";
			op->state = DEDUP_OP_ROLLED_BACK;
		}
		break;
	default:
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	if (op->state == DEDUP_OP_DONE && have_target) {
		op->result_dev = (uint64_t)tg.st_dev;
		op->result_ino = (uint64_t)tg.st_ino;
		op->result_mtime_ns = osdep_stat_mtime_ns(&tg);
	}
write:
	if (dfd >= 0)
		close(dfd);
	if (why != NULL) {
		free(op->error);
		op->error = xstrdup(why);
	}
	if (op->state != DEDUP_OP_DONE)
		op->bytes = 0;
	return store_cache_op_update(st, op);
}

/* Finish or roll back every unfinished journaled operation. */
int
dedup_recover(struct store *st)
{
	struct dedup_op	*ops = NULL;
	size_t		 n = 0, i, done = 0;
	int		 rc, prev = 1;

	if ((rc = store_cache_ops_load(st, STORE_CACHE_OPS_UNFINISHED, &ops,
	    &n)) != 0)
		return rc;
	if (n == 0)
		return 0;
	if ((rc = store_cache_durable(st, 1, &prev)) != 0)
		goto out;
	for (i = 0; i < n && rc == 0; i++) {
		rc = recover_one(st, &ops[i]);
		done += rc == 0 && ops[i].state == DEDUP_OP_DONE;
	}
	(void)store_cache_durable(st, 0, &prev);
	if (rc == 0)
		log_info("dedup: recovered %zu interrupted operation%s "
		    "(%zu completed, %zu rolled back)", n, n == 1 ? "" : "s",
		    done, n - done);
out:
	store_cache_ops_free(ops, n);
	return rc;
}
