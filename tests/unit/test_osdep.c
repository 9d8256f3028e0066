/* SPDX-License-Identifier: ISC */
/*
 * test_osdep.c: the durability and priority calls of osdep.h on this OS:
 * a full sync of a real file and directory, and a worker thread lowering
 * and restoring its own CPU and I/O priority (read back from the kernel on
 * Linux).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>
#if MLXD_LINUX
#include <sys/syscall.h>
#endif

#include "osdep.h"

static void
test_full_sync(void **state)
{
	char	dir[] = "/tmp/mlxd-osdep-XXXXXX", path[64];
	int	fd, dfd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/f", dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "abc", 3), 3);
	assert_int_equal(osdep_full_sync(fd), 0);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dfd >= 0);
	assert_int_equal(osdep_full_sync(dfd), 0);
	close(fd);
	close(dfd);
	assert_int_equal(osdep_full_sync(fd), -EBADF);
	assert_int_equal(errno, EBADF);
	unlink(path);
	rmdir(dir);
}

#if MLXD_LINUX
static int
ioprio(void)
{
	return (int)syscall(SYS_ioprio_get, 1, 0);
}
#endif

struct prio {
	int	rc_on, rc_off;
	int	io_on, io_off, pol_on, pol_off;
};

static void *
worker(void *arg)
{
	struct prio	*p = arg;

	p->io_on = p->io_off = p->pol_on = p->pol_off = -1;
	p->rc_on = osdep_thread_background(1);
#if MLXD_LINUX
	p->io_on = ioprio();
	p->pol_on = sched_getscheduler(0);
#endif
	p->rc_off = osdep_thread_background(0);
#if MLXD_LINUX
	p->io_off = ioprio();
	p->pol_off = sched_getscheduler(0);
#endif
	return NULL;
}

static void
test_thread_background(void **state)
{
	struct prio	p;
	pthread_t	t;

	(void)state;
	memset(&p, 0, sizeof(p));
	assert_int_equal(pthread_create(&t, NULL, worker, &p), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(p.rc_on, 0);
	assert_int_equal(p.rc_off, 0);
#if MLXD_LINUX
	assert_int_equal(p.io_on, (2 << 13) | 7);	/* best effort, 7 */
	assert_int_equal(p.pol_on, SCHED_BATCH);
	assert_int_equal(p.pol_off, SCHED_OTHER);
	/* Restored to the default ("none", follows nice: reads 4 or 0). */
	assert_true(p.io_off >> 13 != 2 || (p.io_off & 7) != 7);
	/* The calling thread was never touched. */
	assert_int_equal(sched_getscheduler(0), SCHED_OTHER);
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_sync),
		cmocka_unit_test(test_thread_background),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
