#include "crbd_objects.h"

#include <rados/librados.hpp>

#include <cerrno>
#include <cstdlib>
#include <cstring>
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
                                  int with_watchers, crbd_object_probe *out) {
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
        if (with_watchers) slot->operation.list_watchers(&slot->watchers, &slot->watchers_result);
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

namespace {

/** One compound read of class-method calls in flight. */
struct Calls {
    librados::ObjectReadOperation operation;
    librados::AioCompletion *completion = nullptr;
    librados::bufferlist data;
    std::vector<librados::bufferlist> outputs;
    std::vector<int> results;
    size_t index = 0;
};

void finish(Calls &calls, int *results, crbd_call_result *out) {
    calls.completion->wait_for_complete();
    results[calls.index] = calls.completion->get_return_value();
    crbd_call_result *answers = out + calls.index * calls.outputs.size();
    for (size_t i = 0; i < calls.outputs.size(); i++) {
        librados::bufferlist &output = calls.outputs[i];
        answers[i].result = calls.results[i];
        answers[i].output_length = output.length();
        answers[i].output = static_cast<char *>(malloc(output.length() > 0 ? output.length() : 1));
        if (output.length() > 0) output.begin().copy(output.length(), answers[i].output);
    }
    calls.completion->release();
    calls.completion = nullptr;
}

}  // namespace

extern "C" int crbd_call_objects(rados_ioctx_t io, const char *const *names, size_t count, size_t window,
                                 const crbd_class_call *calls, size_t call_count, int *results,
                                 crbd_call_result *out) {
    if (window == 0) return -EINVAL;
    librados::IoCtx context;
    librados::IoCtx::from_rados_ioctx_t(io, context);
    std::vector<librados::bufferlist> inputs(call_count);
    for (size_t i = 0; i < call_count; i++) inputs[i].append(calls[i].input, calls[i].input_length);
    memset(out, 0, sizeof(crbd_call_result) * count * call_count);
    std::vector<std::unique_ptr<Calls>> ring(window);
    int failure = 0;
    size_t submitted = 0;
    for (size_t i = 0; i < count && failure == 0; i++) {
        std::unique_ptr<Calls> &slot = ring[i % window];
        if (slot && slot->completion) finish(*slot, results, out);
        slot = std::make_unique<Calls>();
        slot->index = i;
        slot->outputs.resize(call_count);
        slot->results.resize(call_count);
        for (size_t c = 0; c < call_count; c++) {
            slot->operation.exec(calls[c].class_name, calls[c].method, inputs[c], &slot->outputs[c], &slot->results[c]);
        }
        slot->completion = librados::Rados::aio_create_completion();
        int result = context.aio_operate(names[i], slot->completion, &slot->operation, &slot->data);
        if (result < 0) {
            slot->completion->release();
            slot->completion = nullptr;
            failure = result;
        } else {
            submitted = i + 1;
        }
    }
    for (auto &slot : ring) {
        if (slot && slot->completion) finish(*slot, results, out);
    }
    for (size_t i = submitted; i < count; i++) results[i] = failure;
    return failure;
}

extern "C" void crbd_free_call_results(crbd_call_result *out, size_t count) {
    for (size_t i = 0; i < count; i++) free(out[i].output);
}
