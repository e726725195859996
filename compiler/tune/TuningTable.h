// The tuning cache: for each kernel signature (what a kernel computes, not
// how), the schedule `netc tune` measured fastest on one machine, with its
// time. One text file per CPU model and target, found automatically by run,
// bench, the REPL and the AOT compiler; `--tuning FILE` names another (to
// build an object for another machine). Lines:
//   SIGNATURE <TAB> SCHEDULE <TAB> MICROSECONDS
#pragma once

#include <Halide.h>

#include <map>
#include <optional>
#include <string>

namespace netc::tune {

class TuningTable {
public:
    struct Entry {
        std::string schedule;
        double us = 0;  // per call, as measured
    };

    std::optional<std::string> find(const std::string &signature) const;
    void set(const std::string &signature, const std::string &schedule, double us);
    const std::map<std::string, Entry> &entries() const { return entries_; }
    bool empty() const { return entries_.empty(); }

    // Reads `path`; a missing file is an empty table. A malformed line is an
    // error naming the file and line (rt::IOError).
    static TuningTable read(const std::string &path);
    // Writes atomically (a temporary file renamed), creating directories.
    void write(const std::string &path, const std::string &header) const;

    // This machine's table for target t: <cache dir>/tuning/<cpu>-<target>.tune,
    // or $NETC_TUNING; empty when there is no cache directory.
    static std::string default_path(const Halide::Target &t);
    // The CPU as /proc/cpuinfo names it (model, family/model/stepping) and its L2.
    static std::string cpu_description();

private:
    std::map<std::string, Entry> entries_;
};

// The table a compile uses: --tuning FILE if given (errors in it are the
// user's: rt::IOError), else this machine's (empty when none was tuned, or
// with a warning when it is damaged).
TuningTable load_tuning(const std::string &explicit_path, const Halide::Target &t);

}  // namespace netc::tune
