// The netc binary. Compilation runs on a thread with a large stack so that
// deeply nested (but legal) input cannot overflow it; every failure that is
// not the user's ends as "internal compiler error", exit 3.
#include "Diagnostics.h"
#include "Driver.h"

#include <pthread.h>

#include <exception>
#include <iostream>
#include <new>

namespace {

struct Job {
    int argc;
    char **argv;
    int status = netc::kExitInternal;
};

void *run_job(void *p) {
    auto *job = static_cast<Job *>(p);
    try {
        job->status = netc::run_netc(job->argc, job->argv, std::cout, std::cerr);
    } catch (const std::bad_alloc &) {
        std::cerr << "netc: error: out of memory\n";
        job->status = netc::kExitInternal;
    } catch (const std::exception &e) {
        std::cerr << "netc: internal compiler error: " << e.what() << "\n"
                  << "This is a bug in netc, not in your input; please report it.\n";
        job->status = netc::kExitInternal;
    }
    return nullptr;
}

}  // namespace

int main(int argc, char **argv) {
    std::ios::sync_with_stdio(false);
    Job job{argc, argv};
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, size_t(512) << 20);
    pthread_t thread;
    if (pthread_create(&thread, &attr, run_job, &job) != 0) {
        run_job(&job);  // fall back to the main stack
    } else {
        pthread_join(thread, nullptr);
    }
    pthread_attr_destroy(&attr);
    std::cout.flush();
    return job.status;
}
