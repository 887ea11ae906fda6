#include "crbd_objects.h"

#include <rados/librados.hpp>
#include <rados/rados_types.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <list>
#include <memory>
#include <vector>

namespace {

/** What every read in flight has: its operation, its completion and its object's index. */
struct InFlight {
    librados::ObjectReadOperation operation;
    librados::AioCompletion *completion = nullptr;
    librados::bufferlist data;
    size_t index = 0;
};

/**
 * Reads `names[0..<count]` through a ring of `window` slots: the oldest read finishes before its
 * slot takes the next object, so at most `window` are in flight and a slow object holds back only
 * the slots behind it. `prepare(slot)` adds a read's operations; `finish(slot)` collects its
 * answers once it has completed. Returns 0, or the first error of a read that could not even be
 * submitted; the objects from that one on are not read, and `*submitted` counts those before it.
 */
template <typename Slot, typename Prepare, typename Finish>
int read_in_ring(librados::IoCtx &context, const char *const *names, size_t count, size_t window,
                 Prepare prepare, Finish finish, size_t *submitted) {
    auto complete = [&](Slot &slot) {
        slot.completion->wait_for_complete();
        finish(slot);
        slot.completion->release();
        slot.completion = nullptr;
    };
    std::vector<std::unique_ptr<Slot>> ring(window);
    int failure = 0;
    *submitted = 0;
    // Nothing may throw past the C boundary (a std::bad_alloc included), and no slot may be freed
    // while librados still writes into it: a throw stops the submitting, and every read in flight
    // is waited for before the error is returned.
    try {
        for (size_t i = 0; i < count && failure == 0; i++) {
            std::unique_ptr<Slot> &slot = ring[i % window];
            if (slot && slot->completion) complete(*slot);
            slot = std::make_unique<Slot>();
            slot->index = i;
            prepare(*slot);
            slot->completion = librados::Rados::aio_create_completion();
            int result = context.aio_operate(names[i], slot->completion, &slot->operation, &slot->data);
            if (result < 0) {
                slot->completion->release();
                slot->completion = nullptr;
                failure = result;
            } else {
                *submitted = i + 1;
            }
        }
    } catch (const std::bad_alloc &) {
        failure = -ENOMEM;
    } catch (...) {
        failure = -EIO;
    }
    for (auto &slot : ring) {
        if (!slot || !slot->completion) continue;
        try {
            complete(*slot);
        } catch (const std::bad_alloc &) {
            slot->completion->release();
            slot->completion = nullptr;
            if (failure == 0) failure = -ENOMEM;
        } catch (...) {
            slot->completion->release();
            slot->completion = nullptr;
            if (failure == 0) failure = -EIO;
        }
    }
    return failure;
}

/** A probe in flight: a stat and, if asked, the list of watchers. */
struct Probe : InFlight {
    std::list<obj_watch_t> watchers;
    uint64_t size = 0;
    struct timespec mtime = {};
    int stat_result = 0;
    int watchers_result = 0;
};

/** The same pool and namespace as `io`, reading the head (the C handle's own snapshot setting). */
librados::IoCtx context_of(rados_ioctx_t io) {
    librados::IoCtx context;
    librados::IoCtx::from_rados_ioctx_t(io, context);
    return context;
}

/** A listing of an object's clones in flight. */
struct Clones : InFlight {
    librados::snap_set_t snaps;
    int snaps_result = 0;
};

/** Appends `value` little-endian, as Ceph encodes a u64 or a u32. */
template <typename T>
void put(std::vector<char> &bytes, T value) {
    for (size_t i = 0; i < sizeof(T); i++) bytes.push_back(static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff));
}

/** A compound read of class-method calls in flight. */
struct Calls : InFlight {
    std::vector<librados::bufferlist> outputs;
    std::vector<int> results;
};

}  // namespace

extern "C" int crbd_probe_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                                  int with_watchers, crbd_object_probe *out) {
    if (window == 0) return -EINVAL;
    // Every answer is written on every path: an error until its read says otherwise.
    for (size_t i = 0; i < count; i++) out[i] = crbd_object_probe{-EIO, 0, 0, 0, 0, 0};
    size_t submitted = 0;
    librados::IoCtx context = context_of(io);
    int failure = read_in_ring<Probe>(
        context, names, count, window,
        [&](Probe &probe) {
            probe.operation.stat2(&probe.size, &probe.mtime, &probe.stat_result);
            if (with_watchers) probe.operation.list_watchers(&probe.watchers, &probe.watchers_result);
        },
        [&](Probe &probe) {
            crbd_object_probe &answer = out[probe.index];
            answer.result = probe.completion->get_return_value();
            if (answer.result == 0) answer.result = probe.stat_result < 0 ? probe.stat_result : probe.watchers_result;
            answer.version = probe.completion->get_version64();
            answer.size = probe.size;
            answer.mtime_sec = probe.mtime.tv_sec;
            answer.mtime_nsec = probe.mtime.tv_nsec;
            answer.watchers = static_cast<uint32_t>(probe.watchers.size());
        },
        &submitted);
    for (size_t i = submitted; i < count; i++) out[i].result = failure;
    return failure;
}

extern "C" int crbd_call_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                                 const crbd_class_call *calls, const size_t *call_starts, int *results,
                                 crbd_call_result *out) {
    if (window == 0) return -EINVAL;
    const size_t call_count = call_starts[count];
    memset(out, 0, sizeof(crbd_call_result) * call_count);
    for (size_t i = 0; i < count; i++) results[i] = -EIO;
    std::vector<librados::bufferlist> inputs;
    try {
        inputs.resize(call_count);
        for (size_t i = 0; i < call_count; i++) inputs[i].append(calls[i].input, calls[i].input_length);
    } catch (...) {
        for (size_t i = 0; i < count; i++) results[i] = -ENOMEM;
        return -ENOMEM;
    }
    size_t submitted = 0;
    librados::IoCtx context = context_of(io);
    int failure = read_in_ring<Calls>(
        context, names, count, window,
        [&](Calls &read) {
            const size_t first = call_starts[read.index], calls_here = call_starts[read.index + 1] - first;
            read.outputs.resize(calls_here);
            read.results.resize(calls_here);
            for (size_t c = 0; c < calls_here; c++) {
                const crbd_class_call &call = calls[first + c];
                read.operation.exec(call.class_name, call.method, inputs[first + c], &read.outputs[c], &read.results[c]);
            }
        },
        [&](Calls &read) {
            results[read.index] = read.completion->get_return_value();
            crbd_call_result *answers = out + call_starts[read.index];
            for (size_t c = 0; c < read.outputs.size(); c++) {
                librados::bufferlist &output = read.outputs[c];
                answers[c].result = read.results[c];
                answers[c].output_length = output.length();
                answers[c].output = static_cast<char *>(malloc(output.length() > 0 ? output.length() : 1));
                if (answers[c].output == nullptr) {
                    answers[c].result = -ENOMEM;
                    answers[c].output_length = 0;
                    if (results[read.index] == 0) results[read.index] = -ENOMEM;
                    continue;
                }
                if (output.length() > 0) output.begin().copy(output.length(), answers[c].output);
            }
        },
        &submitted);
    for (size_t i = submitted; i < count; i++) results[i] = failure;
    return failure;
}

extern "C" int crbd_list_clones(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                                crbd_call_result *out) {
    if (window == 0) return -EINVAL;
    memset(out, 0, sizeof(crbd_call_result) * count);
    for (size_t i = 0; i < count; i++) out[i].result = -EIO;
    size_t submitted = 0;
    int failure = 0;
    try {
        // Clones are listed through the snapshot directory, never through the caller's own handle:
        // a copy of it reads there.
        librados::IoCtx snapdir;
        snapdir.dup(context_of(io));
        snapdir.snap_set_read(LIBRADOS_SNAP_DIR);
        failure = read_in_ring<Clones>(
            snapdir, names, count, window,
            [&](Clones &read) { read.operation.list_snaps(&read.snaps, &read.snaps_result); },
            [&](Clones &read) {
                crbd_call_result &answer = out[read.index];
                answer.result = read.completion->get_return_value();
                if (answer.result == 0) answer.result = read.snaps_result;
                if (answer.result < 0) return;
                std::vector<char> bytes;
                put<uint64_t>(bytes, read.snaps.seq);
                put<uint32_t>(bytes, read.snaps.clones.size());
                for (const librados::clone_info_t &clone : read.snaps.clones) {
                    put<uint64_t>(bytes, clone.cloneid);
                    put<uint64_t>(bytes, clone.size);
                    put<uint32_t>(bytes, clone.snaps.size());
                    for (librados::snap_t snap : clone.snaps) put<uint64_t>(bytes, snap);
                    put<uint32_t>(bytes, clone.overlap.size());
                    for (const auto &extent : clone.overlap) {
                        put<uint64_t>(bytes, extent.first);
                        put<uint64_t>(bytes, extent.second);
                    }
                }
                answer.output = static_cast<char *>(malloc(bytes.size() > 0 ? bytes.size() : 1));
                if (answer.output == nullptr) {
                    answer.result = -ENOMEM;
                    return;
                }
                memcpy(answer.output, bytes.data(), bytes.size());
                answer.output_length = bytes.size();
            },
            &submitted);
    } catch (const std::bad_alloc &) {
        failure = -ENOMEM;
    } catch (...) {
        failure = -EIO;
    }
    for (size_t i = submitted; i < count; i++) out[i].result = failure;
    return failure;
}

extern "C" void crbd_free_call_results(crbd_call_result *out, size_t count) {
    for (size_t i = 0; i < count; i++) free(out[i].output);
}
