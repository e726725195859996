#include "Parallel.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace netc::lower {

void for_each_parallel(int count, const std::function<void(int)> &start, const std::function<void(int)> &work) {
    std::atomic<int> next{0};
    std::mutex lock;
    std::exception_ptr failure;
    auto worker = [&] {
        for (int i; (i = next++) < count;) {
            try {
                {
                    std::lock_guard<std::mutex> g(lock);
                    if (failure) return;
                    if (start) start(i);
                }
                work(i);
            } catch (...) {
                std::lock_guard<std::mutex> g(lock);
                if (!failure) failure = std::current_exception();
            }
        }
    };
    unsigned threads = std::max(1u, std::min(4u, std::thread::hardware_concurrency()));
    if (const char *e = getenv("HL_NUM_THREADS")) threads = std::max(1, std::min(4, atoi(e)));
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; t++) pool.emplace_back(worker);
    worker();
    for (auto &t : pool) t.join();
    if (failure) std::rethrow_exception(failure);
}

}  // namespace netc::lower
