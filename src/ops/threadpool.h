#pragma once
// A fixed pool of worker threads for data-parallel loops. The calling thread
// takes part in the work.
//
// A loop is cut into a few chunks per thread, and every thread (the caller
// included) claims chunks from a shared ticket until none is left. So when the
// machine is oversubscribed and a worker is not scheduled, the others simply
// take its chunks: the caller only ever waits for chunks that are already
// running, never for a sleeping thread to wake up. Workers spin briefly
// before sleeping, because a decode step issues hundreds of short loops.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kvzip {

class ThreadPool {
public:
    explicit ThreadPool(int n_threads);  // n_threads <= 0: hardware concurrency
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return n_threads_; }

    // Calls fn(begin, end) on disjoint contiguous ranges covering [0, n).
    // Which thread runs which range varies; the ranges themselves depend only
    // on n and size(), so results are deterministic. Not reentrant.
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

private:
    void worker_loop();
    // Claims and runs chunks of the job of generation `gen` until none is left.
    void work_on(uint32_t gen);

    int n_threads_;
    std::vector<std::thread> workers_;

    // The current job; written by the caller before the ticket is published,
    // stable while any of its chunks runs.
    const std::function<void(int64_t, int64_t)>* fn_ = nullptr;
    int64_t n_ = 0;
    // ticket = generation (32 bits) | chunk count (16 bits) | next chunk (16 bits)
    std::atomic<uint64_t> ticket_{0};
    std::atomic<int64_t> done_{0};
    std::atomic<uint32_t> generation_{0};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
};

}  // namespace kvzip
