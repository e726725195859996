#include "CAbi.h"

#include <algorithm>
#include <sstream>

namespace netc::aot {

namespace {

// Messages for the ABI's own codes, index = code.
const char *const kMessages[] = {
    "no error",
    "the input pointer is null",
    "the output pointer is null",
    "the batch is less than 1",
    "the batch is larger than this network's _MAX_BATCH",
    "this CPU lacks the instruction set the object was compiled for",
    "out of memory for the network's activations",
    "the weights, optimizer state or gradients pointer is null",
    "a label is not a class id in [0, classes)",
    "the weights, optimizer state or gradients block is not 64-byte aligned (see aligned_alloc)",
};
const int kCodes = sizeof kMessages / sizeof kMessages[0];

int64_t product(const std::vector<int64_t> &v) {
    int64_t n = 1;
    for (auto d : v) n *= d;
    return n;
}

// Halide 14's halide_spawn_thread uses the block it mallocs without a check
// and ignores pthread_create's failure; the thread pool spawns its workers
// inside a call, so an app short of memory crashed there. These replace the
// runtime's pair (see runtime_overrides): a thread that cannot be started
// is a sentinel the pool joins as a no-op, and the pool runs its work on
// the threads it has (the calling thread takes part in every job).
std::string runtime_threads_llvm_assembly() {
    return "%netc.thread = type { void (i8*)*, i8*, i64 }\n"
           "@netc_no_thread = linkonce_odr global i64 0\n"
           "declare i8* @malloc(i64)\n"
           "declare i32 @pthread_create(i64*, i8*, i8* (i8*)*, i8*)\n"
           "declare i32 @pthread_join(i64, i8**)\n\n"
           "define linkonce_odr i8* @netc_thread_main(i8* %arg) {\n"
           "  %t = bitcast i8* %arg to %netc.thread*\n"
           "  %fp = getelementptr inbounds %netc.thread, %netc.thread* %t, i32 0, i32 0\n"
           "  %f = load void (i8*)*, void (i8*)** %fp\n"
           "  %cp = getelementptr inbounds %netc.thread, %netc.thread* %t, i32 0, i32 1\n"
           "  %c = load i8*, i8** %cp\n  call void %f(i8* %c)\n  ret i8* null\n}\n\n"
           "define i8* @halide_spawn_thread(void (i8*)* %f, i8* %closure) {\n"
           "  %mem = call i8* @malloc(i64 24)\n  %none = icmp eq i8* %mem, null\n"
           "  br i1 %none, label %failed, label %fill\n"
           "fill:\n  %t = bitcast i8* %mem to %netc.thread*\n"
           "  %fp = getelementptr inbounds %netc.thread, %netc.thread* %t, i32 0, i32 0\n"
           "  store void (i8*)* %f, void (i8*)** %fp\n"
           "  %cp = getelementptr inbounds %netc.thread, %netc.thread* %t, i32 0, i32 1\n"
           "  store i8* %closure, i8** %cp\n"
           "  %hp = getelementptr inbounds %netc.thread, %netc.thread* %t, i32 0, i32 2\n"
           "  store i64 0, i64* %hp\n"
           "  %rc = call i32 @pthread_create(i64* %hp, i8* null, i8* (i8*)* @netc_thread_main, i8* %mem)\n"
           "  %ok = icmp eq i32 %rc, 0\n  br i1 %ok, label %started, label %unstarted\n"
           "started:\n  ret i8* %mem\n"
           "unstarted:\n  call void @free(i8* %mem)\n  br label %failed\n"
           "failed:\n  ret i8* bitcast (i64* @netc_no_thread to i8*)\n}\n\n"
           "define void @halide_join_thread(i8* %p) {\n"
           "  %none = icmp eq i8* %p, bitcast (i64* @netc_no_thread to i8*)\n"
           "  br i1 %none, label %done, label %join\n"
           "join:\n  %t = bitcast i8* %p to %netc.thread*\n"
           "  %hp = getelementptr inbounds %netc.thread, %netc.thread* %t, i32 0, i32 2\n"
           "  %h = load i64, i64* %hp\n  call i32 @pthread_join(i64 %h, i8** null)\n"
           "  call void @free(i8* %p)\n  br label %done\n"
           "done:\n  ret void\n}\n\n";
}

}  // namespace

std::string batch_check_llvm(int max_batch, const std::string &next) {
    std::ostringstream o;
    o << "check_batch:\n  %small = icmp slt i32 %batch, 1\n  br i1 %small, label %bad_batch, label %check_max\n"
      << "bad_batch:\n  ret i32 " << kBadBatch << "\n"
      << "check_max:\n  %big = icmp sgt i32 %batch, " << max_batch << "\n  br i1 %big, label %too_big, label %" << next
      << "\n"
      << "too_big:\n  ret i32 " << kBatchTooLarge << "\n";
    return o.str();
}

std::string ll_string(const std::string &s) {
    std::ostringstream o;
    o << "c\"";
    for (unsigned char ch : s) {
        if (ch >= 32 && ch < 127 && ch != '"' && ch != '\\') o << ch;
        else o << '\\' << "0123456789ABCDEF"[ch >> 4] << "0123456789ABCDEF"[ch & 15];
    }
    o << "\\00\"";
    return o.str();
}

std::vector<std::string> runtime_overrides() { return {"halide_spawn_thread", "halide_join_thread"}; }

std::vector<std::string> abi_symbols(const Abi &abi) {
    return {abi.entry, abi.entry + "_set_num_threads", abi.entry + "_error_message", abi.entry + "_release_memory"};
}

std::string c_header(const Abi &abi) {
    const std::string &e = abi.entry;
    std::ostringstream h;
    std::string guard = "NETC_" + e + "_H";
    h << "/* " << e << ": network '" << abi.network << "' of " << abi.source << ", compiled by netc.\n"
      << " * Targets (the first the CPU supports runs):";
    for (auto &v : abi.variants) h << " " << v.target.to_string();
    h << "\n * Link: cc app.c " << abi.object << " -lpthread -ldl -lm   (no Halide, LLVM or C++ library needed)\n"
      << " * Weights: " << (abi.weights_embedded ? "embedded" : "none") << ". */\n"
      << "#ifndef " << guard << "\n#define " << guard << "\n\n"
      << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    // One network input and output: _INPUT_* and _OUTPUT_*; several: the
    // same per argument, _INPUT0_*, _INPUT1_*, ..., _OUTPUT0_*, ...
    const bool single = abi.inputs.size() == 1 && abi.outputs.size() == 1;
    h << "/* Per-image shapes: inputs are NHWC (or [N, K]) float32, outputs float32. */\n";
    h << "#define " << e << "_INPUTS " << abi.inputs.size() << "\n#define " << e << "_OUTPUTS " << abi.outputs.size()
      << "\n";
    const char *names[] = {"H", "W", "C"};
    for (size_t k = 0; k < abi.inputs.size(); k++) {
        std::string p = e + "_INPUT" + (single ? "" : std::to_string(k)) + "_";
        const auto &in = abi.inputs[k];
        if (!single) h << "/* input " << k << ": " << abi.input_names[k] << " */\n";
        if (in.size() == 3)
            for (int i = 0; i < 3; i++) h << "#define " << p << names[i] << " " << in[i] << "\n";
        h << "#define " << p << "SIZE " << product(in) << "\n";
    }
    for (size_t k = 0; k < abi.outputs.size(); k++) {
        std::string p = e + "_OUTPUT" + (single ? "" : std::to_string(k)) + "_";
        const auto &out = abi.outputs[k];
        if (!single) h << "/* output " << k << ": " << abi.output_names[k] << " */\n";
        h << "#define " << p << "SIZE " << product(out) << "\n";
        h << "#define " << p << "RANK " << out.size() << "\n";
        for (size_t i = 0; i < out.size(); i++) h << "#define " << p << "DIM" << i << " " << out[i] << "\n";
    }
    h << "/* The largest batch one call takes. A large batch runs in passes of " << abi.head_pass
      << " image" << (abi.head_pass == 1 ? "" : "s") << ",\n * whose activations fit in cache";
    if (abi.tail_pass > abi.head_pass)
        h << "; the last layers take " << abi.tail_pass << " images at a time,\n * so their weights are read once for them";
    h << ". */\n#define " << e << "_MAX_BATCH " << abi.max_batch << "\n\n";
    h << error_codes_header();
    if (single) {
        h << "/* Runs the network on `batch` images: input holds batch * " << e << "_INPUT_SIZE floats, output\n"
          << " * receives batch * " << e << "_OUTPUT_SIZE. Returns 0, or an error code for " << e
          << "_error_message.\n * Safe to call from several threads at once. */\n"
          << "int " << e << "(const float *input, float *output, int batch);\n\n";
    } else {
        h << "/* Runs the network on `batch` images: each input holds batch * its _INPUTk_SIZE floats, each\n"
          << " * output receives batch * its _OUTPUTk_SIZE. Returns 0, or an error code for " << e
          << "_error_message.\n * Safe to call from several threads at once. */\nint " << e << "(";
        for (size_t k = 0; k < abi.inputs.size(); k++) h << "const float *" << abi.input_names[k] << ", ";
        for (size_t k = 0; k < abi.outputs.size(); k++) h << "float *" << abi.output_names[k] << ", ";
        h << "int batch);\n\n";
    }
    h << "/* Sets the worker threads of the Halide runtime, which every netc network in the\n"
      << " * process shares; n <= 0 restores the default (all cores, or $HL_NUM_THREADS).\n"
      << " * Returns the previous count. */\n"
      << "int " << e << "_set_num_threads(int n);\n\n"
      << "/* A message for an error code; for runtime errors, the runtime's message for the\n"
      << " * last failed call on this thread. The string is static: do not free it. */\n"
      << "const char *" << e << "_error_message(int code);\n\n"
      << "/* Activation memory (" << (abi.head_bytes + abi.tail_bytes + 1023) / 1024
      << " KiB per image) is kept between calls for the\n"
      << " * next one; this frees it. */\n"
      << "void " << e << "_release_memory(void);\n\n"
      << "#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n#endif\n";
    return h.str();
}

std::string error_codes_header() {
    std::ostringstream h;
    h << "#ifndef NETC_ERROR_CODES\n#define NETC_ERROR_CODES\n"
      << "/* Codes the entry returns. Others come from the Halide runtime (negative) or a\n"
      << " * GPU driver (positive, below 1000); _error_message gives the runtime's message. */\n";
    const char *codes[] = {"NETC_OK",
                           "NETC_ERROR_NULL_INPUT",
                           "NETC_ERROR_NULL_OUTPUT",
                           "NETC_ERROR_BAD_BATCH",
                           "NETC_ERROR_BATCH_TOO_LARGE",
                           "NETC_ERROR_CPU_FEATURES",
                           "NETC_ERROR_OUT_OF_MEMORY",
                           "NETC_ERROR_NULL_STATE",
                           "NETC_ERROR_BAD_LABEL",
                           "NETC_ERROR_MISALIGNED"};
    static_assert(sizeof codes / sizeof codes[0] == kCodes, "a name per code");
    for (int i = 0; i < kCodes; i++)
        h << "#define " << codes[i] << " " << (i ? kFirstError + i - 1 : 0) << "  /* " << kMessages[i] << " */\n";
    h << "#endif\n\n";
    return h.str();
}

std::string features_llvm_assembly(const std::string &entry, const std::vector<Halide::Target> &targets) {
    const int words = kFeatureWords;
    std::ostringstream o;
    for (size_t v = 0; v < targets.size(); v++) {
        const auto &bits = targets[v].get_features_bitset();
        o << "@" << entry << "_features_" << v << " = internal constant [" << words << " x i64] [";
        for (int w = 0; w < words; w++) {
            uint64_t word = 0;
            for (int b = 0; b < 64 && w * 64 + b < Halide::Target::FeatureEnd; b++)
                if (bits[w * 64 + b]) word |= uint64_t(1) << b;
            o << (w ? ", " : "") << "i64 " << word;
        }
        o << "]\n";
    }
    return o.str();
}

std::string glue_llvm_assembly(const std::string &e) {
    std::ostringstream o;
    // Shared by every netc object in a process (linkonce_odr: the linker keeps one).
    o << "@netc_last_error = linkonce_odr thread_local global [1024 x i8] zeroinitializer\n";
    for (int i = 0; i < kCodes; i++)
        o << "@netc_msg_" << i << " = linkonce_odr constant [" << std::string(kMessages[i]).size() + 1 << " x i8] "
          << ll_string(kMessages[i]) << "\n";
    o << "@netc_msg_runtime = linkonce_odr constant [21 x i8] " << ll_string("Halide runtime error") << "\n"
      << "declare i8* @strncpy(i8*, i8*, i64)\n"
      << "declare void (i8*, i8*)* @halide_set_error_handler(void (i8*, i8*)*)\n"
      << "declare i32 @halide_set_num_threads(i32)\n"
      << "declare i32 @halide_can_use_target_features(i32, i64*)\n\n"
      << "define linkonce_odr void @netc_record_error(i8* %uc, i8* %msg) {\n"
      << "  %buf = getelementptr inbounds [1024 x i8], [1024 x i8]* @netc_last_error, i64 0, i64 0\n"
      << "  call i8* @strncpy(i8* %buf, i8* %msg, i64 1023)\n  ret void\n}\n\n";
    // The runtime's error handler is one for the process. While any netc
    // call runs it is netc_record_error: the first call to start installs
    // it and the last to finish puts back the one it found, under a lock
    // every netc object shares. (Each call saving and restoring it alone let
    // overlapping calls leave netc's handler in place of the app's.)
    o << "@netc_handler_lock = linkonce_odr global [8 x i64] zeroinitializer, align 64\n"
      << "@netc_handler_users = linkonce_odr global i64 0\n"
      << "@netc_saved_handler = linkonce_odr global void (i8*, i8*)* null\n"
      << "declare void @halide_mutex_lock(i8*)\ndeclare void @halide_mutex_unlock(i8*)\n\n"
      << "define linkonce_odr void @netc_enter() {\n"
      << "  %l = bitcast [8 x i64]* @netc_handler_lock to i8*\n  call void @halide_mutex_lock(i8* %l)\n"
      << "  %n = load i64, i64* @netc_handler_users\n  %first = icmp eq i64 %n, 0\n"
      << "  br i1 %first, label %install, label %count\n"
      << "install:\n"
      << "  %old = call void (i8*, i8*)* @halide_set_error_handler(void (i8*, i8*)* @netc_record_error)\n"
      << "  store void (i8*, i8*)* %old, void (i8*, i8*)** @netc_saved_handler\n  br label %count\n"
      << "count:\n  %n1 = add i64 %n, 1\n  store i64 %n1, i64* @netc_handler_users\n"
      << "  call void @halide_mutex_unlock(i8* %l)\n  ret void\n}\n\n"
      << "define linkonce_odr void @netc_leave() {\n"
      << "  %l = bitcast [8 x i64]* @netc_handler_lock to i8*\n  call void @halide_mutex_lock(i8* %l)\n"
      << "  %n = load i64, i64* @netc_handler_users\n  %n1 = sub i64 %n, 1\n"
      << "  store i64 %n1, i64* @netc_handler_users\n  %last = icmp eq i64 %n1, 0\n"
      << "  br i1 %last, label %restore, label %done\n"
      << "restore:\n  %old = load void (i8*, i8*)*, void (i8*, i8*)** @netc_saved_handler\n"
      << "  call void (i8*, i8*)* @halide_set_error_handler(void (i8*, i8*)* %old)\n  br label %done\n"
      << "done:\n  call void @halide_mutex_unlock(i8* %l)\n  ret void\n}\n\n";
    o << runtime_threads_llvm_assembly();
    o << "define linkonce_odr i8* @netc_error_message(i32 %code) {\n  switch i32 %code, label %other [";
    for (int i = 0; i < kCodes; i++) o << " i32 " << (i ? kFirstError + i - 1 : 0) << ", label %m" << i;
    o << " ]\n";
    for (int i = 0; i < kCodes; i++) {
        size_t n = std::string(kMessages[i]).size() + 1;
        o << "m" << i << ":\n  ret i8* getelementptr inbounds ([" << n << " x i8], [" << n << " x i8]* @netc_msg_" << i
          << ", i64 0, i64 0)\n";
    }
    o << "other:\n  %buf = getelementptr inbounds [1024 x i8], [1024 x i8]* @netc_last_error, i64 0, i64 0\n"
      << "  %first = load i8, i8* %buf\n  %empty = icmp eq i8 %first, 0\n"
      << "  %generic = getelementptr inbounds [21 x i8], [21 x i8]* @netc_msg_runtime, i64 0, i64 0\n"
      << "  %m = select i1 %empty, i8* %generic, i8* %buf\n  ret i8* %m\n}\n\n";

    o << "define i8* @" << e << "_error_message(i32 %code) {\n"
      << "  %m = call i8* @netc_error_message(i32 %code)\n  ret i8* %m\n}\n\n"
      << "define i32 @" << e << "_set_num_threads(i32 %n) {\n"
      << "  %neg = icmp slt i32 %n, 0\n  %m = select i1 %neg, i32 0, i32 %n\n"
      << "  %old = call i32 @halide_set_num_threads(i32 %m)\n  ret i32 %old\n}\n\n";
    return o.str();
}

std::string abi_llvm_assembly(const Abi &abi) {
    const std::string &e = abi.entry;
    const int words = kFeatureWords;
    std::ostringstream o;
    o << glue_llvm_assembly(e);
    std::vector<Halide::Target> targets;
    for (auto &v : abi.variants) targets.push_back(v.target);
    o << features_llvm_assembly(e, targets);
    for (size_t v = 0; v < abi.variants.size(); v++) {
        o << "declare i32 @" << abi.variants[v].run << "(";
        for (size_t k = 0; k < abi.inputs.size() + abi.outputs.size(); k++) o << "i8*, ";
        o << "i32, i8*)\n";
    }
    // The activation arena is kept between calls: taken with an atomic
    // exchange (a concurrent call allocates its own) and put back after.
    // Its first 64 bytes hold its size.
    // The arena a call needs: min(batch, head pass) images of the head's,
    // then min(batch, tail pass) of the tail's (lower::MemoryLayout::floats).
    int64_t head_bytes = (abi.head_bytes + 63) / 64 * 64, tail_bytes = std::max<int64_t>(64, (abi.tail_bytes + 63) / 64 * 64);
    o << "@" << e << "_arena = internal global i64 0\n"
      << "declare i8* @aligned_alloc(i64, i64)\ndeclare void @free(i8*)\n\n"
      << "define void @" << e << "_release_memory() {\n"
      << "  %old = atomicrmw xchg i64* @" << e << "_arena, i64 0 seq_cst\n"
      << "  %p = inttoptr i64 %old to i8*\n  call void @free(i8* %p)\n  ret void\n}\n";
    // One pointer per input, then per output; any null is refused.
    const size_t ni = abi.inputs.size(), no = abi.outputs.size();
    o << "\ndefine i32 @" << e << "(";
    for (size_t k = 0; k < ni; k++) o << "float* %input" << k << ", ";
    for (size_t k = 0; k < no; k++) o << "float* %output" << k << ", ";
    o << "i32 %batch) {\n  br label %check_in0\n";
    for (size_t k = 0; k < ni; k++)
        o << "check_in" << k << ":\n  %no_in" << k << " = icmp eq float* %input" << k << ", null\n  br i1 %no_in" << k
          << ", label %null_in, label %" << (k + 1 < ni ? "check_in" + std::to_string(k + 1) : std::string("check_out0"))
          << "\n";
    for (size_t k = 0; k < no; k++)
        o << "check_out" << k << ":\n  %no_out" << k << " = icmp eq float* %output" << k << ", null\n  br i1 %no_out" << k
          << ", label %null_out, label %" << (k + 1 < no ? "check_out" + std::to_string(k + 1) : std::string("check_batch"))
          << "\n";
    o << "null_in:\n  ret i32 " << kNullInput << "\n"
      << "null_out:\n  ret i32 " << kNullOutput << "\n"
      << batch_check_llvm(abi.max_batch, "take")
      << "take:\n  %few = icmp slt i32 %batch, " << abi.head_pass << "\n"
      << "  %images = select i1 %few, i32 %batch, i32 " << abi.head_pass << "\n"
      << "  %b64 = zext i32 %images to i64\n  %head = mul i64 %b64, " << head_bytes << "\n"
      << "  %tfew = icmp slt i32 %batch, " << abi.tail_pass << "\n"
      << "  %timages = select i1 %tfew, i32 %batch, i32 " << abi.tail_pass << "\n"
      << "  %t64 = zext i32 %timages to i64\n  %tail = mul i64 %t64, " << tail_bytes << "\n"
      << "  %need = add i64 %head, %tail\n"
      << "  %cached = atomicrmw xchg i64* @" << e << "_arena, i64 0 seq_cst\n"
      << "  %has = icmp ne i64 %cached, 0\n  br i1 %has, label %sized, label %alloc\n"
      << "sized:\n  %cp = inttoptr i64 %cached to i64*\n  %size = load i64, i64* %cp\n"
      << "  %fits = icmp uge i64 %size, %need\n  br i1 %fits, label %ready, label %drop\n"
      << "drop:\n  %cb = inttoptr i64 %cached to i8*\n  call void @free(i8* %cb)\n  br label %alloc\n"
      << "alloc:\n  %total = add i64 %need, 64\n  %mem = call i8* @aligned_alloc(i64 64, i64 %total)\n"
      << "  %oom = icmp eq i8* %mem, null\n  br i1 %oom, label %no_memory, label %fresh\n"
      << "no_memory:\n  ret i32 " << kOutOfMemory << "\n"
      << "fresh:\n  %mp = bitcast i8* %mem to i64*\n  store i64 %need, i64* %mp\n"
      << "  %mi = ptrtoint i8* %mem to i64\n  br label %ready\n"
      << "ready:\n  %block = phi i64 [ %cached, %sized ], [ %mi, %fresh ]\n"
      << "  %bp = inttoptr i64 %block to i8*\n  %arena = getelementptr inbounds i8, i8* %bp, i64 64\n"
      << "  %buf = getelementptr inbounds [1024 x i8], [1024 x i8]* @netc_last_error, i64 0, i64 0\n"
      << "  store i8 0, i8* %buf\n"
      << "  call void @netc_enter()\n"
      ;
    for (size_t k = 0; k < ni; k++) o << "  %in" << k << " = bitcast float* %input" << k << " to i8*\n";
    for (size_t k = 0; k < no; k++) o << "  %out" << k << " = bitcast float* %output" << k << " to i8*\n";
    std::string pointers;
    for (size_t k = 0; k < ni; k++) pointers += "i8* %in" + std::to_string(k) + ", ";
    for (size_t k = 0; k < no; k++) pointers += "i8* %out" + std::to_string(k) + ", ";
    o << "  br label %try0\n";
    std::string phi = "  %r = phi i32";
    for (size_t v = 0; v < abi.variants.size(); v++) {
        o << "try" << v << ":\n  %ok" << v << " = call i32 @halide_can_use_target_features(i32 " << words << ", i64* "
          << "getelementptr inbounds ([" << words << " x i64], [" << words << " x i64]* @" << e << "_features_" << v
          << ", i64 0, i64 0))\n  %yes" << v << " = icmp ne i32 %ok" << v << ", 0\n  br i1 %yes" << v << ", label %run"
          << v << ", label %try" << v + 1 << "\n"
          << "run" << v << ":\n  %r" << v << " = call i32 @" << abi.variants[v].run
          << "(" << pointers << "i32 %batch, i8* %arena)\n  br label %done\n";
        phi += " [ %r" + std::to_string(v) + ", %run" + std::to_string(v) + " ],";
    }
    o << "try" << abi.variants.size() << ":\n  br label %done\n"
      << "done:\n" << phi << " [ " << kNoCpuFeatures << ", %try" << abi.variants.size() << " ]\n"
      << "  call void @netc_leave()\n"
      << "  %prev = atomicrmw xchg i64* @" << e << "_arena, i64 %block seq_cst\n"
      << "  %pp = inttoptr i64 %prev to i8*\n  call void @free(i8* %pp)\n  ret i32 %r\n}\n";
    return o.str();
}

}  // namespace netc::aot
