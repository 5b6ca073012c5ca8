#include "ops/threadpool.h"

#include <algorithm>

namespace kvzip {

namespace {
constexpr int kSpinIterations = 20000;
constexpr int64_t kChunksPerThread = 4;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

inline uint32_t ticket_gen(uint64_t t) { return (uint32_t)(t >> 32); }
inline int64_t ticket_chunks(uint64_t t) { return (int64_t)((t >> 16) & 0xFFFF); }
inline int64_t ticket_next(uint64_t t) { return (int64_t)(t & 0xFFFF); }
}  // namespace

ThreadPool::ThreadPool(int n_threads) {
    if (n_threads <= 0) n_threads = (int)std::max(1u, std::thread::hardware_concurrency());
    n_threads_ = n_threads;
    for (int i = 1; i < n_threads_; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stop_.store(true);
        generation_.fetch_add(1);
    }
    wake_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::work_on(uint32_t gen) {
    uint64_t t = ticket_.load(std::memory_order_acquire);
    for (;;) {
        if (ticket_gen(t) != gen || ticket_next(t) >= ticket_chunks(t)) return;
        if (!ticket_.compare_exchange_weak(t, t + 1, std::memory_order_acq_rel, std::memory_order_acquire)) continue;
        // Chunk c of this job is ours; the caller waits for it, so the job's
        // fields stay valid until we count it done.
        const int64_t c = ticket_next(t), chunks = ticket_chunks(t);
        const int64_t begin = n_ * c / chunks, end = n_ * (c + 1) / chunks;
        if (begin < end) (*fn_)(begin, end);
        done_.fetch_add(1, std::memory_order_acq_rel);
        t = ticket_.load(std::memory_order_acquire);
    }
}

void ThreadPool::worker_loop() {
    uint32_t seen = 0;
    for (;;) {
        int spins = 0;
        while (generation_.load(std::memory_order_acquire) == seen && spins < kSpinIterations) {
            cpu_relax();
            ++spins;
        }
        if (generation_.load(std::memory_order_acquire) == seen) {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [&] { return generation_.load() != seen; });
        }
        seen = generation_.load(std::memory_order_acquire);
        if (stop_.load()) return;
        work_on(seen);
    }
}

void ThreadPool::parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    const int64_t chunks = std::min<int64_t>({n, (int64_t)n_threads_ * kChunksPerThread, 0xFFFF});
    if (n_threads_ == 1 || chunks == 1) {
        fn(0, n);
        return;
    }
    fn_ = &fn;
    n_ = n;
    done_.store(0, std::memory_order_relaxed);
    const uint32_t gen = generation_.load(std::memory_order_relaxed) + 1;
    ticket_.store(((uint64_t)gen << 32) | ((uint64_t)chunks << 16), std::memory_order_release);
    {
        std::lock_guard<std::mutex> lock(mutex_);
        generation_.store(gen, std::memory_order_release);
    }
    wake_.notify_all();
    work_on(gen);
    // Only chunks already running elsewhere remain; yield so that a worker
    // sharing our core can finish its chunk.
    int spins = 0;
    while (done_.load(std::memory_order_acquire) != chunks) {
        if (++spins < 1000) cpu_relax();
        else std::this_thread::yield();
    }
    fn_ = nullptr;
}

}  // namespace kvzip
