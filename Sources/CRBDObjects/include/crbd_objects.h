#ifndef CRBD_OBJECTS_H
#define CRBD_OBJECTS_H

/* What librados offers only through its C++ API, behind a C interface for Swift: a compound read
 * of many objects at once that also lists each object's watchers (librados' C API cannot list
 * watchers without a librbd image handle, which costs a full image open). */

#include <stddef.h>
#include <stdint.h>
#include <rados/librados.h>

#ifdef __cplusplus
extern "C" {
#endif

/** One object's state as one read operation saw it. */
typedef struct crbd_object_probe {
    /** 0, or the negative errno of the read (-ENOENT for a missing object, -ETIMEDOUT, ...). */
    int result;
    /** The object's user version: every write to it, data, xattr or omap, moves it. */
    uint64_t version;
    uint64_t size;
    int64_t mtime_sec;
    int64_t mtime_nsec;
    /** Clients watching the object (for an RBD header: clients with the image open or mapped). */
    uint32_t watchers;
} crbd_object_probe;

/**
 * Stats and lists the watchers of `count` objects of `io`, keeping at most `window` reads in flight,
 * and blocks until every read has finished. `out` has room for `count` results, in the order of
 * `names`. Returns 0, or a negative errno if a read could not even be submitted.
 */
int crbd_probe_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                       crbd_object_probe *out);

#ifdef __cplusplus
}
#endif

#endif
