#include "crbd_objects.h"

#include <rados/librados.hpp>

#include <cerrno>
#include <list>
#include <memory>
#include <vector>

namespace {

/** One read in flight: the operation, its completion and where its answers land. */
struct Read {
    librados::ObjectReadOperation operation;
    librados::AioCompletion *completion = nullptr;
    librados::bufferlist data;
    std::list<obj_watch_t> watchers;
    uint64_t size = 0;
    struct timespec mtime = {};
    int stat_result = 0;
    int watchers_result = 0;
    size_t index = 0;
};

void finish(Read &read, crbd_object_probe *out) {
    read.completion->wait_for_complete();
    crbd_object_probe &probe = out[read.index];
    probe.result = read.completion->get_return_value();
    if (probe.result == 0) probe.result = read.stat_result < 0 ? read.stat_result : read.watchers_result;
    probe.version = read.completion->get_version64();
    probe.size = read.size;
    probe.mtime_sec = read.mtime.tv_sec;
    probe.mtime_nsec = read.mtime.tv_nsec;
    probe.watchers = static_cast<uint32_t>(read.watchers.size());
    read.completion->release();
    read.completion = nullptr;
}

}  // namespace

extern "C" int crbd_probe_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                                  crbd_object_probe *out) {
    if (window == 0) return -EINVAL;
    librados::IoCtx context;
    librados::IoCtx::from_rados_ioctx_t(io, context);
    // A ring of reads: the oldest finishes before its slot takes the next object, so at most
    // `window` are in flight and a slow object holds back only the slots behind it.
    std::vector<std::unique_ptr<Read>> ring(window);
    int failure = 0;
    for (size_t i = 0; i < count && failure == 0; i++) {
        std::unique_ptr<Read> &slot = ring[i % window];
        if (slot && slot->completion) finish(*slot, out);
        slot = std::make_unique<Read>();
        slot->index = i;
        slot->operation.stat2(&slot->size, &slot->mtime, &slot->stat_result);
        slot->operation.list_watchers(&slot->watchers, &slot->watchers_result);
        slot->completion = librados::Rados::aio_create_completion();
        int submitted = context.aio_operate(names[i], slot->completion, &slot->operation, &slot->data);
        if (submitted < 0) {
            slot->completion->release();
            slot->completion = nullptr;
            failure = submitted;
        }
    }
    for (auto &slot : ring) {
        if (slot && slot->completion) finish(*slot, out);
    }
    return failure;
}
