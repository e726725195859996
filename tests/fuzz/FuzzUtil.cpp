#include "FuzzUtil.h"

#include <pthread.h>

#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace netc::fuzz {

void finding(const std::string &why) {
    std::fprintf(stderr, "fuzz finding: %s\n", why.c_str());
    std::fflush(stderr);
    std::abort();
}

namespace {

struct Worker {
    std::mutex mu;
    std::condition_variable cv;
    const std::function<void()> *job = nullptr;
    bool done = false;

    static void *loop(void *self) {
        auto *w = static_cast<Worker *>(self);
        for (;;) {
            std::unique_lock<std::mutex> lock(w->mu);
            w->cv.wait(lock, [&] { return w->job != nullptr; });
            const std::function<void()> *job = w->job;
            lock.unlock();
            (*job)();
            lock.lock();
            w->job = nullptr;
            w->done = true;
            w->cv.notify_all();
        }
        return nullptr;
    }

    Worker() {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setstacksize(&attr, size_t(512) << 20);
        pthread_t t;
        if (pthread_create(&t, &attr, loop, this) != 0) finding("cannot start the 512 MiB-stack thread");
        pthread_detach(t);
        pthread_attr_destroy(&attr);
    }
};

}  // namespace

void on_netc_stack(const std::function<void()> &work) {
    static Worker *worker = new Worker;  // never destroyed: the thread outlives main
    std::unique_lock<std::mutex> lock(worker->mu);
    worker->done = false;
    worker->job = &work;
    worker->cv.notify_all();
    worker->cv.wait(lock, [&] { return worker->done; });
}

}  // namespace netc::fuzz
