#ifndef CRBD_SHIM_H
#define CRBD_SHIM_H

#include <rados/librados.h>
#include <rbd/librbd.h>
/* mallopt: librbd's allocation pattern needs glibc malloc tuned in a daemon (see ClientMemory). */
#include <malloc.h>

/* glibc >= 2.32 exports it, but <string.h> declares it only under _GNU_SOURCE, which a Clang module
 * cannot turn on for the system headers it shares with the Glibc module. */
extern const char *strerrorname_np(int errnum);

#endif
