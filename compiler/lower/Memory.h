// Where a plan's buffers live at run time, shared by the JIT and the AOT
// entry function. Activations share one arena: a buffer is live from the
// step that writes it to the last step that reads it, and buffers whose
// lifetimes do not overlap share bytes. Everything is laid out per image and
// scales with the batch, so one layout serves every batch size: a buffer at
// `offset` floats per image starts at arena + offset * batch.
#pragma once

#include "Plan.h"

#include <algorithm>
#include <cstdint>
#include <vector>

namespace netc::lower {

// Padded NHWC geometry of a plan buffer ([N, C] and [N, W, C] are never padded).
struct Geometry {
    int64_t c, w, h, wp, hp;  // wp, hp: with the border
    int64_t cs;               // floats per pixel: c, or an alias's parent's channels
    int64_t image;            // floats per batch element
};
Geometry geometry(const Buffer &b);

// A batch runs in two phases. The head (steps [0, split)) takes passes of
// head_pass images whose activations fit a cache budget (8 MiB, half a
// typical L3): a layer that streams a whole batch's large activations
// through memory is slower per image than one pass per image (ResNet-50 at
// 224, ~8 MiB per image: batch 8 in one pass 0.40 s, image by image 0.36 s).
// The tail (steps [split, end): the late layers, small activations and large
// weights, e.g. VGG's 411 MB fc6) takes passes of tail_pass images, so its
// weights stream from memory once per tail pass instead of once per image,
// and its small layers have several images to split across threads. The
// head's passes of one tail pass write the buffers the tail reads (kept in
// the tail arena) at their images' places. Kernels index with int32, so
// every pass also keeps each buffer under 2 GiB.
struct MemoryLayout {
    std::vector<int64_t> offset;  // per buffer, floats per image in its arena; -1: the caller's input or output
    std::vector<char> in_tail;    // per buffer: kept in the tail arena
    int64_t arena = 0;            // the head arena, floats per image
    int64_t tail_arena = 0;       // the tail arena, floats per image
    int split = 0;                // the first step of the tail (the step count: no tail)
    int head_pass = 1, tail_pass = 1;  // images per pass (tail_pass >= head_pass)

    // Where a call of `batch` images has the tail arena (after the head's),
    // and the floats it needs in all.
    int64_t tail_at(int64_t batch) const { return arena * std::min<int64_t>(batch, head_pass); }
    int64_t floats(int64_t batch) const { return tail_at(batch) + tail_arena * std::min<int64_t>(batch, tail_pass); }
};
MemoryLayout plan_memory(const Plan &plan);

// One dimension of a kernel operand's view, as halide_dimension_t has it.
struct ViewDim {
    int32_t min, extent, stride;
};

// How a kernel sees a buffer: `offset` floats from the buffer's start, then
// `dims` innermost first; the batch dimension (stride: one image) is last
// and its extent is the run's batch.
struct View {
    int64_t offset = 0;
    std::vector<ViewDim> dims;  // without the batch
    int64_t image = 0;          // the batch stride
};
// interior: the output's view (the border excluded); inputs see the border.
View operand_view(const Plan &plan, int buffer, int block, bool as_image, bool interior);

// The border of a padded buffer as spans to zero, per image: `first`, then
// `count` spans of `span` floats `stride` apart from `loop`, then `last`.
// (The right border of one row and the left border of the next are adjacent.)
struct ZeroSpans {
    int64_t first_at = 0, first_len = 0;
    int64_t loop_at = 0, stride = 0, count = 0, span = 0;
    int64_t last_at = 0, last_len = 0;
};
ZeroSpans border_spans(const Buffer &b);

// The interior's rows, for copying an unpadded image into a padded buffer:
// `rows` rows of `row` floats, `stride` apart from `at` (per image).
struct InteriorRows {
    int64_t at = 0, rows = 0, row = 0, stride = 0;
};
InteriorRows interior_rows(const Buffer &b);

}  // namespace netc::lower
