/* SPDX-License-Identifier: ISC */
/*
 * test_modelstore_eperm.c: a model folder the OS refuses with EPERM, as
 * macOS's privacy framework (TCC) refuses Documents, Downloads or a
 * removable volume to a LaunchAgent without access. On Linux a seccomp
 * filter in a child process makes every directory open fail with EPERM,
 * the way TCC answers; the scan must say what to grant instead of leaving a
 * silent gap in the index. Exits 77 where seccomp filters are unavailable.
 */
#include "config.h"

#include <sys/types.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if MLXD_LINUX
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#endif

#include "modelstore.h"

#define SKIP	77

#if MLXD_LINUX && (defined(__x86_64__) || defined(__aarch64__))
#if defined(__x86_64__)
#define TEST_ARCH	AUDIT_ARCH_X86_64
#else
#define TEST_ARCH	AUDIT_ARCH_AARCH64
#endif

/* openat(..., O_DIRECTORY) fails with EPERM; everything else runs. */
static int
deny_dir_opens(void)
{
	struct sock_filter	f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, TEST_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_openat, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		/* Low word of the flags (little-endian on both arches). */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, O_DIRECTORY, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog	prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0)
		return -1;
	return 0;
}

/* Child: scan under the filter; 0 when the warning names what to grant. */
static int
child(const char *root)
{
	struct modelstore_roots	 roots;
	struct modelstore_index	*idx = NULL;
	size_t			 i;
	int			 found = 0;

	if (deny_dir_opens() != 0)
		return SKIP;
	modelstore_roots_init(&roots);
	modelstore_roots_add(&roots, MODELSTORE_LOCAL, root);
	if (modelstore_scan(&roots, NULL, NULL, NULL, &idx) != 0)
		return 2;
	for (i = 0; i < idx->nwarnings; i++) {
		printf("warning: %s: %s\n", idx->warnings[i].path,
		    idx->warnings[i].message);
		if (strstr(idx->warnings[i].message, "not permitted") !=
		    NULL && strstr(idx->warnings[i].message,
		    "Full Disk Access") != NULL)
			found = 1;
	}
	fflush(stdout);
	return found ? 0 : 1;
}

int
main(void)
{
	char	dir[] = "/tmp/mlxd-eperm-XXXXXX", path[256];
	pid_t	pid;
	int	fd, status, rc;

	if (mkdtemp(dir) == NULL)
		return 2;
	snprintf(path, sizeof(path), "%s/model-a", dir);
	if (mkdir(path, 0700) != 0)
		return 2;
	snprintf(path, sizeof(path), "%s/model-a/weights.gguf", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT, 0600)) == -1 ||
	    write(fd, "GGUF", 4) != 4)
		return 2;
	close(fd);
	fflush(stdout);
	if ((pid = fork()) == -1)
		return 2;
	if (pid == 0)
		_exit(child(dir));	/* no atexit: sanitizers' hooks open dirs */
	if (waitpid(pid, &status, 0) != pid)
		return 2;
	rc = WIFEXITED(status) ? WEXITSTATUS(status) : 3;
	unlink(path);
	snprintf(path, sizeof(path), "%s/model-a", dir);
	rmdir(path);
	rmdir(dir);
	if (rc == SKIP)
		fprintf(stderr, "seccomp filters unavailable\n");
	else if (rc != 0)
		fprintf(stderr, "FAIL: no warning saying what to grant "
		    "(child exit %d)\n", rc);
	return rc;
}
#else
int
main(void)
{
	return SKIP;
}
#endif
