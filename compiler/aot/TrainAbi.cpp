#include "TrainAbi.h"

#include "CAbi.h"
#include "Diagnostics.h"
#include "TrainEntry.h"

#include <algorithm>
#include <climits>
#include <functional>
#include <sstream>

namespace netc::aot {

namespace {

// The C struct netc_array as LLVM lays it out (natural alignment, as C does).
const char *const kArrayType = "%netc.array = type { i8*, i32, [4 x i64], i64, i64, i32 }\n";
constexpr int kMaxRank = 4;

// ENTRY_weights or ENTRY_state: a constant table of netc_array.
std::string table(const std::string &symbol, const std::vector<BlockArray> &arrays) {
    std::ostringstream o;
    for (size_t i = 0; i < arrays.size(); i++)
        o << "@" << symbol << "_name_" << i << " = private unnamed_addr constant [" << arrays[i].name.size() + 1
          << " x i8] " << ll_string(arrays[i].name) << "\n";
    o << "@" << symbol << " = constant [" << arrays.size() << " x %netc.array] ";
    if (arrays.empty()) return o.str() + "zeroinitializer\n\n";
    o << "[";
    for (size_t i = 0; i < arrays.size(); i++) {
        const BlockArray &a = arrays[i];
        if (a.shape.size() > kMaxRank) throw InternalError("'" + a.name + "' has more than 4 dimensions");
        size_t n = a.name.size() + 1;
        o << (i ? ",\n  " : "\n  ") << "%netc.array { i8* getelementptr inbounds ([" << n << " x i8], [" << n
          << " x i8]* @" << symbol << "_name_" << i << ", i64 0, i64 0), i32 " << a.shape.size() << ", [4 x i64] [";
        for (int d = 0; d < kMaxRank; d++) o << (d ? ", " : "") << "i64 " << (d < int(a.shape.size()) ? a.shape[d] : 0);
        o << "], i64 " << a.offset << ", i64 " << a.size << ", i32 " << (a.trainable ? 1 : 0) << " }";
    }
    return o.str() + "\n]\n\n";
}

// Blocks that call the first variant the CPU supports, as the inference
// ABI's entry does: `call(v)` is the call of variant v, its status lands in
// %r and control in block `done`.
std::string dispatch(const TrainAbi &abi, const std::function<std::string(size_t)> &call) {
    const std::string &e = abi.entry;
    const int words = kFeatureWords;
    std::ostringstream o;
    std::string phi = "  %r = phi i32";
    o << "  br label %try0\n";
    for (size_t v = 0; v < abi.variants.size(); v++) {
        o << "try" << v << ":\n  %ok" << v << " = call i32 @halide_can_use_target_features(i32 " << words
          << ", i64* getelementptr inbounds ([" << words << " x i64], [" << words << " x i64]* @" << e << "_features_"
          << v << ", i64 0, i64 0))\n  %yes" << v << " = icmp ne i32 %ok" << v << ", 0\n  br i1 %yes" << v
          << ", label %run" << v << ", label %try" << v + 1 << "\nrun" << v << ":\n  %r" << v << " = " << call(v)
          << "\n  br label %done\n";
        phi += " [ %r" + std::to_string(v) + ", %run" + std::to_string(v) + " ],";
    }
    o << "try" << abi.variants.size() << ":\n  br label %done\ndone:\n"
      << phi << " [ " << kNoCpuFeatures << ", %try" << abi.variants.size() << " ]\n";
    return o.str();
}

// The arena each call takes: [64-byte header with its size][labels as
// floats][the entry's workspace], kept between calls as the inference ABI
// keeps its activations (one cached block, taken with an atomic exchange).
std::string arena_functions(const std::string &e) {
    std::ostringstream o;
    o << "@" << e << "_arena = internal global i64 0\n"
      << "declare i8* @aligned_alloc(i64, i64)\ndeclare void @free(i8*)\n\n"
      << "define internal i8* @" << e << "_take(i64 %need) {\n"
      << "  %cached = atomicrmw xchg i64* @" << e << "_arena, i64 0 seq_cst\n"
      << "  %has = icmp ne i64 %cached, 0\n  br i1 %has, label %sized, label %alloc\n"
      << "sized:\n  %cp = inttoptr i64 %cached to i64*\n  %size = load i64, i64* %cp\n"
      << "  %cb = inttoptr i64 %cached to i8*\n"
      << "  %fits = icmp uge i64 %size, %need\n  br i1 %fits, label %reuse, label %drop\n"
      << "reuse:\n  ret i8* %cb\n"
      << "drop:\n  call void @free(i8* %cb)\n  br label %alloc\n"
      << "alloc:\n  %total = add i64 %need, 64\n  %mem = call i8* @aligned_alloc(i64 64, i64 %total)\n"
      << "  %oom = icmp eq i8* %mem, null\n  br i1 %oom, label %none, label %fresh\n"
      << "none:\n  ret i8* null\n"
      << "fresh:\n  %mp = bitcast i8* %mem to i64*\n  store i64 %need, i64* %mp\n  ret i8* %mem\n}\n\n"
      << "define internal void @" << e << "_give(i8* %block) {\n"
      << "  %b = ptrtoint i8* %block to i64\n"
      << "  %prev = atomicrmw xchg i64* @" << e << "_arena, i64 %b seq_cst\n"
      << "  %p = inttoptr i64 %prev to i8*\n  call void @free(i8* %p)\n  ret void\n}\n\n"
      << "define void @" << e << "_release_memory() {\n"
      << "  %old = atomicrmw xchg i64* @" << e << "_arena, i64 0 seq_cst\n"
      << "  %p = inttoptr i64 %old to i8*\n  call void @free(i8* %p)\n  ret void\n}\n\n";
    return o.str();
}

// Labels: every one a class id (1 if one is not), then as floats for the
// kernels (zeros without labels).
std::string label_functions(const std::string &e, int64_t classes) {
    std::ostringstream o;
    o << "define internal i32 @" << e << "_bad_labels(i32* %l, i32 %n) {\nentry:\n  br label %loop\n"
      << "loop:\n  %i = phi i32 [ 0, %entry ], [ %i1, %next ]\n  %end = icmp sge i32 %i, %n\n"
      << "  br i1 %end, label %ok, label %body\n"
      << "body:\n  %p = getelementptr inbounds i32, i32* %l, i32 %i\n  %v = load i32, i32* %p\n"
      << "  %bad = icmp uge i32 %v, " << classes << "\n  br i1 %bad, label %fail, label %next\n"
      << "next:\n  %i1 = add i32 %i, 1\n  br label %loop\n"
      << "ok:\n  ret i32 0\nfail:\n  ret i32 1\n}\n\n";
    o << "define internal void @" << e << "_float_labels(i32* %l, float* %f, i32 %n) {\nentry:\n"
      << "  %none = icmp eq i32* %l, null\n  br label %loop\n"
      << "loop:\n  %i = phi i32 [ 0, %entry ], [ %i1, %step ]\n  %end = icmp sge i32 %i, %n\n"
      << "  br i1 %end, label %done, label %body\n"
      << "body:\n  %q = getelementptr inbounds float, float* %f, i32 %i\n"
      << "  br i1 %none, label %zero, label %load\n"
      << "zero:\n  store float 0.0, float* %q\n  br label %step\n"
      << "load:\n  %p = getelementptr inbounds i32, i32* %l, i32 %i\n  %v = load i32, i32* %p\n  %x = sitofp i32 %v to float\n  store float %x, float* %q\n"
      << "  br label %step\n"
      << "step:\n  %i1 = add i32 %i, 1\n  br label %loop\n"
      << "done:\n  ret void\n}\n\n";
    return o.str();
}

// Checks, labels and arena common to step and evaluate, up to block `run`
// with %lf (the float labels) and %ws (the workspace) ready; `state_null`
// is the condition for NETC_ERROR_NULL_STATE.
std::string prologue(const TrainAbi &abi, const Region &ws, const std::string &state_null, bool labels_required) {
    const std::string &e = abi.entry;
    std::ostringstream o;
    o << "  %res = alloca [2 x float]\n"
      << "  br i1 " << state_null << ", label %no_state, label %check_in\n"
      << "no_state:\n  ret i32 " << kNullState << "\n"
      << "check_in:\n  %no_images = icmp eq float* %images, null\n  %no_labels = icmp eq i32* %labels, null\n"
      << "  %no_in = " << (labels_required ? "or i1 %no_images, %no_labels" : "or i1 %no_images, false") << "\n"
      << "  br i1 %no_in, label %null_in, label %check_batch\n"
      << "null_in:\n  ret i32 " << kNullInput << "\n"
      << batch_check_llvm(abi.max_batch, "check_labels")
      << "check_labels:\n  br i1 %no_labels, label %take, label %scan\n"
      << "scan:\n  %bad = call i32 @" << e << "_bad_labels(i32* %labels, i32 %batch)\n"
      << "  %any_bad = icmp ne i32 %bad, 0\n  br i1 %any_bad, label %bad_label, label %take\n"
      << "bad_label:\n  ret i32 " << kBadLabel << "\n"
      << "take:\n  %b64 = zext i32 %batch to i64\n  %lb0 = mul i64 %b64, 4\n  %lb1 = add i64 %lb0, 63\n"
      << "  %lbytes = and i64 %lb1, -64\n  %ws0 = mul i64 %b64, " << ws.per_image << "\n  %ws1 = add i64 %ws0, "
      << ws.fixed << "\n  %need = add i64 %lbytes, %ws1\n"
      << "  %block = call i8* @" << e << "_take(i64 %need)\n"
      << "  %oom = icmp eq i8* %block, null\n  br i1 %oom, label %no_memory, label %ready\n"
      << "no_memory:\n  ret i32 " << kOutOfMemory << "\n"
      << "ready:\n  %lab = getelementptr inbounds i8, i8* %block, i64 64\n  %lf = bitcast i8* %lab to float*\n"
      << "  call void @" << e << "_float_labels(i32* %labels, float* %lf, i32 %batch)\n"
      << "  %ws = getelementptr inbounds i8, i8* %lab, i64 %lbytes\n"
      << "  %resp = bitcast [2 x float]* %res to i8*\n"
      << "  %images8 = bitcast float* %images to i8*\n"
      << "  %err = getelementptr inbounds [1024 x i8], [1024 x i8]* @netc_last_error, i64 0, i64 0\n"
      << "  store i8 0, i8* %err\n  call void @netc_enter()\n";
    return o.str();
}

// After the variants: the handler and arena back, then loss and count (if
// asked for) from the results.
std::string epilogue(const std::string &e, const std::string &have_labels) {
    std::ostringstream o;
    o << "  call void @netc_leave()\n  call void @" << e << "_give(i8* %block)\n"
      << "  %fine = icmp eq i32 %r, 0\n  %report = and i1 %fine, " << have_labels << "\n"
      << "  br i1 %report, label %loss_out, label %out\n"
      << "loss_out:\n  %lp = getelementptr inbounds [2 x float], [2 x float]* %res, i64 0, i64 0\n"
      << "  %lv = load float, float* %lp\n  %want_loss = icmp ne float* %loss, null\n"
      << "  br i1 %want_loss, label %store_loss, label %count_out\n"
      << "store_loss:\n  store float %lv, float* %loss\n  br label %count_out\n"
      << "count_out:\n  %cp = getelementptr inbounds [2 x float], [2 x float]* %res, i64 0, i64 1\n"
      << "  %cv = load float, float* %cp\n  %ci = fptosi float %cv to i32\n  %want_count = icmp ne i32* %correct, null\n"
      << "  br i1 %want_count, label %store_count, label %out\n"
      << "store_count:\n  store i32 %ci, i32* %correct\n  br label %out\n"
      << "out:\n  ret i32 %r\n}\n\n";
    return o.str();
}

}  // namespace

int train_max_batch(const TrainProgram &p) {
    int64_t per = std::max<int64_t>(1, p.largest_image_floats) * 4;
    return static_cast<int>(std::min<int64_t>(1 << 24, INT32_MAX / per));
}

std::vector<std::string> train_symbols(const TrainAbi &abi) {
    const std::string &e = abi.entry;
    return {e + "_init", e + "_step", e + "_evaluate", e + "_set_num_threads", e + "_error_message",
            e + "_release_memory", e + "_weights", e + "_state"};
}

std::string train_llvm_assembly(const TrainAbi &abi, const TrainProgram &p) {
    const std::string &e = abi.entry;
    std::ostringstream o;
    o << glue_llvm_assembly(e);
    std::vector<Halide::Target> targets;
    for (auto &v : abi.variants) targets.push_back(v.target);
    o << features_llvm_assembly(e, targets) << "\n" << kArrayType << table(e + "_weights", p.weights)
      << table(e + "_state", p.state) << arena_functions(e) << label_functions(e, p.classes);
    const char *run_args = "(i8*, i8*, i8*, i8*, i8*, i32, float, i32, i8*, i8*, i8*)";
    for (auto &v : abi.variants)
        o << "declare i32 @" << v.step << run_args << "\ndeclare i32 @" << v.evaluate << run_args << "\ndeclare i32 @"
          << v.init << "(i8*, i8*)\n";

    o << "\ndefine i32 @" << e << "_init(float* %weights, float* %state) {\n"
      << "  %nw = icmp eq float* %weights, null\n  %ns = icmp eq float* %state, null\n  %n = or i1 %nw, %ns\n"
      << "  br i1 %n, label %null_state, label %go\nnull_state:\n  ret i32 " << kNullState << "\n"
      << "go:\n  %w = bitcast float* %weights to i8*\n  %s = bitcast float* %state to i8*\n"
      << "  call void @netc_enter()\n"
      << dispatch(abi, [&](size_t v) { return "call i32 @" + abi.variants[v].init + "(i8* %w, i8* %s)"; })
      << "  call void @netc_leave()\n  ret i32 %r\n}\n\n";

    o << "define i32 @" << e << "_step(float* %weights, float* %state, float* %grads, float* %images, i32* %labels, "
      << "i32 %batch, float %lr, i32 %seed, float* %loss, i32* %correct) {\n"
      << "  %nw = icmp eq float* %weights, null\n  %ns = icmp eq float* %state, null\n"
      << "  %ng = icmp eq float* %grads, null\n  %nws = or i1 %nw, %ns\n  %nwsg = or i1 %nws, %ng\n"
      << "  br i1 %nwsg, label %null_state, label %check_aligned\n"
      << "null_state:\n  ret i32 " << kNullState << "\n"
      // The kernels update them in place with aligned vector accesses,
      // as they do Halide's own (aligned) buffers when netc train runs.
      << "check_aligned:\n  %aw = ptrtoint float* %weights to i64\n  %as = ptrtoint float* %state to i64\n"
      << "  %ag = ptrtoint float* %grads to i64\n  %a1 = or i64 %aw, %as\n  %a2 = or i64 %a1, %ag\n"
      << "  %a3 = and i64 %a2, 63\n  %odd = icmp ne i64 %a3, 0\n"
      << "  br i1 %odd, label %misaligned, label %checked\n"
      << "misaligned:\n  ret i32 " << kMisaligned << "\nchecked:\n"
      << prologue(abi, workspace(p.step), "false", true)
      << "  %w = bitcast float* %weights to i8*\n  %s = bitcast float* %state to i8*\n"
      << "  %g = bitcast float* %grads to i8*\n  %l8 = bitcast float* %lf to i8*\n"
      << dispatch(abi, [&](size_t v) {
             return "call i32 @" + abi.variants[v].step +
                    "(i8* %w, i8* %g, i8* %s, i8* %images8, i8* %l8, i32 %batch, float %lr, i32 %seed, i8* %ws, "
                    "i8* %resp, i8* null)";
         })
      << epilogue(e, "true");

    o << "define i32 @" << e << "_evaluate(float* %weights, float* %images, i32* %labels, i32 %batch, float* %loss, "
      << "i32* %correct, float* %logits) {\n"
      << "  %nw = icmp eq float* %weights, null\n"
      << prologue(abi, workspace(p.evaluate), "%nw", false)
      << "  %w = bitcast float* %weights to i8*\n  %l8 = bitcast float* %lf to i8*\n"
      << "  %z = bitcast float* %logits to i8*\n  %have_labels = icmp ne i32* %labels, null\n"
      << dispatch(abi, [&](size_t v) {
             return "call i32 @" + abi.variants[v].evaluate +
                    "(i8* %w, i8* null, i8* null, i8* %images8, i8* %l8, i32 %batch, float 0.0, i32 0, i8* %ws, "
                    "i8* %resp, i8* %z)";
         })
      << epilogue(e, "%have_labels");
    return o.str();
}

std::string train_header(const TrainAbi &abi, const TrainProgram &p) {
    const std::string &e = abi.entry;
    std::ostringstream h;
    std::string guard = "NETC_" + e + "_TRAIN_H";
    const grad::OptimizerOptions &opt = p.optimizer;
    h << "/* " << e << ": the training step of network '" << abi.network << "' of " << abi.source
      << ", compiled by netc.\n * Optimizer: ";
    if (opt.kind == "adam")
        h << "Adam (beta1 " << opt.beta1 << ", beta2 " << opt.beta2 << ", epsilon " << opt.epsilon << ", as TF's)";
    else if (opt.momentum == 0)
        h << "SGD";
    else
        h << "SGD with momentum " << opt.momentum << " (as TF's MomentumOptimizer)";
    h << "; the learning rate is an argument.\n * Initial weights (" << e << "_init): " << abi.weights_origin
      << ".\n * Targets (the first the CPU supports runs):";
    for (auto &v : abi.variants) h << " " << v.target.to_string();
    h << "\n * Link: cc app.c " << abi.object << " -lpthread -ldl -lm   (no Halide, LLVM or C++ library needed) */\n"
      << "#ifndef " << guard << "\n#define " << guard << "\n\n#include <stdint.h>\n\n"
      << "#ifdef __cplusplus\nextern \"C\" {\n#endif\n\n";
    h << "/* One example: images are NHWC (or [N, K]) float32, labels int32 class ids. */\n";
    const char *names[] = {"H", "W", "C"};
    if (p.image_shape.size() == 3)
        for (int i = 0; i < 3; i++) h << "#define " << e << "_INPUT_" << names[i] << " " << p.image_shape[i] << "\n";
    h << "#define " << e << "_INPUT_SIZE " << p.image_floats << "\n#define " << e << "_CLASSES " << p.classes << "\n"
      << "/* The largest batch one call takes. */\n#define " << e << "_MAX_BATCH " << abi.max_batch << "\n"
      << "/* The learning rate it was compiled with (--lr), for callers that want it. */\n#define " << e
      << "_DEFAULT_LR " << abi.default_lr << "f\n\n";
    h << "/* The caller owns three blocks of floats: the weights (every variable, batch norm's\n"
      << " * moving statistics too), the gradients (the same layout; the step writes the\n"
      << " * trainable arrays') and the optimizer's state (its slots, TF's names). Each array\n"
      << " * starts at its offset in its block; names and shapes are netc train's .npz ones.\n"
      << " * The step updates the blocks in place with aligned vector instructions: allocate\n"
      << " * them 64-byte aligned, e.g. aligned_alloc(64, SIZE * sizeof(float)) (the sizes are\n"
      << " * multiples of 16 floats). */\n"
      << "#define " << e << "_WEIGHT_ARRAYS " << p.weights.size() << "\n#define " << e << "_WEIGHTS_SIZE "
      << p.weight_floats << "  /* floats, of the weights and of the gradients */\n"
      << "#define " << e << "_STATE_ARRAYS " << p.state.size() << "\n#define " << e << "_STATE_SIZE "
      << std::max<int64_t>(p.state_floats, 1) << "\n\n"
      << "#ifndef NETC_ARRAY_DEFINED\n#define NETC_ARRAY_DEFINED\n"
      << "typedef struct netc_array {\n  const char *name;\n  int rank;\n  int64_t shape[4];  /* TF's order */\n"
      << "  int64_t offset, size;  /* in floats */\n  int trainable;\n} netc_array;\n#endif\n"
      << "extern const netc_array " << e << "_weights[" << std::max<size_t>(p.weights.size(), 1) << "];\n"
      << "extern const netc_array " << e << "_state[" << std::max<size_t>(p.state.size(), 1) << "];\n\n";
    h << error_codes_header();
    h << "/* Fills the weights with the initial ones compiled in and the state with the\n"
      << " * optimizer's start. Returns 0 or an error code. */\n"
      << "int " << e << "_init(float *weights, float *state);\n\n"
      << "/* One training step on `batch` examples (images: batch * " << e << "_INPUT_SIZE floats,\n"
      << " * labels: batch class ids): forward in training mode, gradients into `grads`, then\n"
      << " * the optimizer's update of `weights` and `state` in place. seed draws the dropout\n"
      << " * masks: pass a different one each step (netc train passes step + 1 + 7919 * --seed).\n"
      << " * loss (the mean cross-entropy plus weight decay) and correct (examples whose\n"
      << " * largest logit is their label, before the update) may be NULL. Returns 0, or an\n"
      << " * error code for " << e << "_error_message (arguments are checked before anything\n"
      << " * is written). */\n"
      << "int " << e << "_step(float *weights, float *state, float *grads, const float *images, const int32_t *labels,\n"
      << "    int batch, float lr, int seed, float *loss, int *correct);\n\n"
      << "/* The network in inference mode (moving statistics, no dropout) on `batch`\n"
      << " * examples: loss and correct as the step's (labels may be NULL, then neither is\n"
      << " * written), logits (batch * " << e << "_CLASSES floats) unless NULL. */\n"
      << "int " << e << "_evaluate(const float *weights, const float *images, const int32_t *labels, int batch,\n"
      << "    float *loss, int *correct, float *logits);\n\n"
      << "/* As an inference object's: the Halide runtime's threads (n <= 0: the default),\n"
      << " * a message for an error code, and freeing the workspace kept between calls. */\n"
      << "int " << e << "_set_num_threads(int n);\n"
      << "const char *" << e << "_error_message(int code);\n"
      << "void " << e << "_release_memory(void);\n\n"
      << "#ifdef __cplusplus\n}  /* extern \"C\" */\n#endif\n\n#endif\n";
    return h.str();
}

}  // namespace netc::aot
