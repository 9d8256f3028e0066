/* SPDX-License-Identifier: ISC */
/* Stand-in for <IOKit/IOKitLib.h>: only what mlxd uses. */
#ifndef MLXD_STUB_IOKITLIB_H
#define MLXD_STUB_IOKITLIB_H

#include <stddef.h>
#include <stdint.h>

#include <CoreFoundation/CoreFoundation.h>
#include <mach/mach.h>

/* IOKit/IOTypes.h (device/device_types.h for io_name_t) */
typedef mach_port_t	io_object_t;
typedef io_object_t	io_connect_t;
typedef io_object_t	io_iterator_t;
typedef io_object_t	io_registry_entry_t;
typedef io_object_t	io_service_t;
typedef uint32_t	IOOptionBits;
typedef char		io_name_t[128];
#define IO_OBJECT_NULL	((io_object_t)0)

/* IOKit/IOKitLib.h */
kern_return_t	IOObjectRelease(io_object_t object);
io_object_t	IOIteratorNext(io_iterator_t iterator);
CFMutableDictionaryRef IOServiceMatching(const char *name);
io_service_t	IOServiceGetMatchingService(mach_port_t mainPort,
		    CFDictionaryRef matching);
kern_return_t	IOServiceGetMatchingServices(mach_port_t mainPort,
		    CFDictionaryRef matching, io_iterator_t *existing);
kern_return_t	IORegistryEntryGetName(io_registry_entry_t entry,
		    io_name_t name);
CFTypeRef	IORegistryEntryCreateCFProperty(io_registry_entry_t entry,
		    CFStringRef key, CFAllocatorRef allocator,
		    IOOptionBits options);
kern_return_t	IOServiceOpen(io_service_t service, task_port_t owningTask,
		    uint32_t type, io_connect_t *connect);
kern_return_t	IOServiceClose(io_connect_t connect);
kern_return_t	IOConnectCallStructMethod(mach_port_t connection,
		    uint32_t selector, const void *inputStruct,
		    size_t inputStructCnt, void *outputStruct,
		    size_t *outputStructCnt);

#endif
