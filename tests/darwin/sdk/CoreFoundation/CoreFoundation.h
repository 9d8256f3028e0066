/* SPDX-License-Identifier: ISC */
/* Stand-in for <CoreFoundation/CoreFoundation.h>: only what mlxd uses. */
#ifndef MLXD_STUB_COREFOUNDATION_H
#define MLXD_STUB_COREFOUNDATION_H

#include <stdbool.h>
#include <stdint.h>

/* CFBase.h */
typedef unsigned char		Boolean;
typedef signed long		CFIndex;
typedef unsigned long		CFTypeID;
typedef const void		*CFTypeRef;
typedef const struct __CFString	*CFStringRef;
typedef const struct __CFAllocator *CFAllocatorRef;
extern const CFAllocatorRef	kCFAllocatorDefault;
CFTypeID	CFGetTypeID(CFTypeRef cf);
CFTypeRef	CFRetain(CFTypeRef cf);
void		CFRelease(CFTypeRef cf);

/* CFString.h */
typedef uint32_t		CFStringEncoding;
#define kCFStringEncodingUTF8	0x08000100
CFTypeID	CFStringGetTypeID(void);
Boolean		CFStringGetCString(CFStringRef theString, char *buffer,
		    CFIndex bufferSize, CFStringEncoding encoding);
CFStringRef	CFStringCreateWithCString(CFAllocatorRef alloc,
		    const char *cStr, CFStringEncoding encoding);
CFStringRef	__CFStringMakeConstantString(const char *cStr);
#define CFSTR(cStr)	__CFStringMakeConstantString("" cStr "")

/* CFNumber.h */
typedef const struct __CFNumber	*CFNumberRef;
typedef CFIndex			CFNumberType;
enum {
	kCFNumberSInt64Type = 4,
	kCFNumberIntType = 9
};
CFTypeID	CFNumberGetTypeID(void);
Boolean		CFNumberGetValue(CFNumberRef number, CFNumberType theType,
		    void *valuePtr);
CFNumberRef	CFNumberCreate(CFAllocatorRef allocator, CFNumberType theType,
		    const void *valuePtr);

/* CFData.h */
typedef const struct __CFData	*CFDataRef;
CFTypeID	CFDataGetTypeID(void);
CFIndex		CFDataGetLength(CFDataRef theData);
const uint8_t	*CFDataGetBytePtr(CFDataRef theData);

/* CFArray.h */
typedef const struct __CFArray	*CFArrayRef;
CFTypeID	CFArrayGetTypeID(void);
CFIndex		CFArrayGetCount(CFArrayRef theArray);
const void	*CFArrayGetValueAtIndex(CFArrayRef theArray, CFIndex idx);

/* CFDictionary.h */
typedef const struct __CFDictionary	*CFDictionaryRef;
typedef struct __CFDictionary		*CFMutableDictionaryRef;
typedef struct {
	CFIndex		version;
	const void	*retain, *release, *copyDescription, *equal, *hash;
} CFDictionaryKeyCallBacks;
typedef struct {
	CFIndex		version;
	const void	*retain, *release, *copyDescription, *equal;
} CFDictionaryValueCallBacks;
extern const CFDictionaryKeyCallBacks	kCFTypeDictionaryKeyCallBacks;
extern const CFDictionaryValueCallBacks	kCFTypeDictionaryValueCallBacks;
CFTypeID	CFDictionaryGetTypeID(void);
const void	*CFDictionaryGetValue(CFDictionaryRef theDict, const void *key);
void		CFDictionarySetValue(CFMutableDictionaryRef theDict,
		    const void *key, const void *value);
CFMutableDictionaryRef CFDictionaryCreateMutable(CFAllocatorRef allocator,
		    CFIndex capacity,
		    const CFDictionaryKeyCallBacks *keyCallBacks,
		    const CFDictionaryValueCallBacks *valueCallBacks);
CFMutableDictionaryRef CFDictionaryCreateMutableCopy(CFAllocatorRef allocator,
		    CFIndex capacity, CFDictionaryRef theDict);

#endif
