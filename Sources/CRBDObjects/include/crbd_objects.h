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
 * Stats `count` objects of `io` and, if `with_watchers`, lists their watchers, keeping at most
 * `window` reads in flight, and blocks until every read has finished. `out` has room for `count`
 * results, in the order of `names`. Returns 0, or a negative errno if a read could not even be
 * submitted.
 */
int crbd_probe_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                       int with_watchers, crbd_object_probe *out);

/** One object-class method call. */
typedef struct crbd_class_call {
    const char *class_name;
    const char *method;
    const char *input;
    size_t input_length;
} crbd_class_call;

/** One call's answer: `output` is malloc'ed (free it with `crbd_free_call_results`). */
typedef struct crbd_call_result {
    int result;
    char *output;
    size_t output_length;
} crbd_call_result;

/**
 * Makes, on each of `count` objects, its own class-method calls in one compound read: object `i`
 * gets `calls[call_starts[i] ..< call_starts[i + 1]]` (`call_starts` has `count + 1` entries), with
 * at most `window` reads in flight, and blocks until every read has finished. `results` has room
 * for `count` results of the whole read (0 or a negative errno; a failing call fails its read);
 * `out` for one answer per call, at the call's own index. Every result and answer is written on
 * every path. Returns 0, or a negative errno if a read could not even be submitted.
 */
int crbd_call_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                      const crbd_class_call *calls, const size_t *call_starts, int *results,
                      crbd_call_result *out);

/**
 * Lists the clones of each of `count` objects (`list_snaps`, through the snapshot directory, as
 * librbd's diff does), with at most `window` reads in flight, and blocks until every read has
 * finished. `out[i]` holds 0 or a negative errno (-ENOENT: neither the object nor a clone exists)
 * and, on success, the snap set encoded little-endian: u64 seq, u32 clone count, and per clone
 * u64 clone id (the head's is LIBRADOS_SNAP_HEAD), u64 size, u32 snapshot count and the u64
 * snapshot ids, u32 overlap count and (u64 offset, u64 length) per extent shared with the next
 * newer clone. Every answer is written on every path. Returns 0, or a negative errno if a read
 * could not even be submitted.
 */
int crbd_list_clones(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                     crbd_call_result *out);

/** Frees the outputs of `count` answers. */
void crbd_free_call_results(crbd_call_result *out, size_t count);

#ifdef __cplusplus
}
#endif

#endif
