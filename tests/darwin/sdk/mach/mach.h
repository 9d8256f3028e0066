/* SPDX-License-Identifier: ISC */
/* Stand-in for <mach/mach.h>: only what mlxd uses. */
#ifndef MLXD_STUB_MACH_H
#define MLXD_STUB_MACH_H

#include <stdint.h>

/* mach/machine/vm_types.h, mach/port.h, mach/kern_return.h */
typedef unsigned int		natural_t;
typedef int			integer_t;
typedef uintptr_t		vm_offset_t;
typedef uintptr_t		vm_size_t;
typedef vm_offset_t		vm_address_t;
typedef natural_t		mach_port_t;
typedef int			kern_return_t;
#define KERN_SUCCESS		0
#define MACH_PORT_NULL		0

/* mach/mach_types.h, mach/message.h */
typedef mach_port_t		host_t;
typedef mach_port_t		task_t;
typedef mach_port_t		task_port_t;
typedef mach_port_t		vm_map_t;
typedef natural_t		mach_msg_type_number_t;

/* mach/mach_init.h */
extern mach_port_t		mach_task_self_;
#define mach_task_self()	mach_task_self_
mach_port_t	mach_host_self(void);

/* mach/vm_map.h (MIG) */
kern_return_t	vm_deallocate(vm_map_t target_task, vm_address_t address,
		    vm_size_t size);

#include <mach/processor_info.h>
#include <mach/vm_statistics.h>
#include <mach/mach_host.h>

#endif
