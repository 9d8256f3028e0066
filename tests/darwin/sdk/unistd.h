/* SPDX-License-Identifier: ISC */
/* The host's <unistd.h> plus Darwin's getpeereid (unistd.h). */
#include_next <unistd.h>
#ifndef MLXD_STUB_UNISTD_H
#define MLXD_STUB_UNISTD_H
int	getpeereid(int socket, uid_t *euid, gid_t *egid);
#endif
