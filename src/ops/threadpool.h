#pragma once
// A fixed pool of worker threads for data-parallel loops. The calling thread
// takes part in the work. Workers spin briefly before sleeping: a decode step
// issues a few hundred short parallel loops, and waking sleeping threads for
// each would cost more than the loops themselves.
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

    // Calls fn(begin, end) on disjoint contiguous ranges covering [0, n), split
    // into at most size() pieces of nearly equal length. Returns when all are done.
    void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn);

    // Calls fn(thread_index) once on each of the size() threads.
    void run_on_all(const std::function<void(int)>& fn);

private:
    void worker_loop(int index);

    int n_threads_;
    std::vector<std::thread> workers_;
    const std::function<void(int)>* job_ = nullptr;
    std::atomic<uint64_t> generation_{0};
    std::atomic<int> pending_{0};
    std::atomic<bool> stop_{false};
    std::mutex mutex_;
    std::condition_variable wake_;
};

}  // namespace kvzip
