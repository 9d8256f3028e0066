/* SPDX-License-Identifier: ISC */
/* The host's <fcntl.h> plus Darwin's F_FULLFSYNC (sys/fcntl.h). */
#include_next <fcntl.h>
#ifndef F_FULLFSYNC
#define F_FULLFSYNC	51
#endif
