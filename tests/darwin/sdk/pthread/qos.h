/* SPDX-License-Identifier: ISC */
/* Stand-in for <pthread/qos.h> and <sys/qos.h>. */
#ifndef MLXD_STUB_PTHREAD_QOS_H
#define MLXD_STUB_PTHREAD_QOS_H

/* sys/qos.h */
typedef unsigned int	qos_class_t;
#define QOS_CLASS_USER_INTERACTIVE	0x21
#define QOS_CLASS_USER_INITIATED	0x19
#define QOS_CLASS_DEFAULT		0x15
#define QOS_CLASS_UTILITY		0x11
#define QOS_CLASS_BACKGROUND		0x09

/* pthread/qos.h */
int	pthread_set_qos_class_self_np(qos_class_t qos_class,
	    int relative_priority);

#endif
