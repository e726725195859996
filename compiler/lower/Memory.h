// Where a plan's buffers live at run time, shared by the JIT and the AOT
// entry function. Activations share one arena: a buffer is live from the
// step that writes it to the last step that reads it, and buffers whose
// lifetimes do not overlap share bytes. Everything is laid out per image and
// scales with the batch, so one layout serves every batch size: a buffer at
// `offset` floats per image starts at arena + offset * batch.
#pragma once

#include "Plan.h"

#include <cstdint>
#include <vector>

namespace netc::lower {

// Padded NHWC geometry of a plan buffer ([N, C] and [N, W, C] are never padded).
struct Geometry {
    int64_t c, w, h, wp, hp;  // wp, hp: with the border
    int64_t image;            // floats per batch element
};
Geometry geometry(const Buffer &b);

struct MemoryLayout {
    std::vector<int64_t> offset;  // per buffer, floats per image; -1: the caller's input or output
    int64_t arena = 0;            // floats per image
};
MemoryLayout plan_memory(const Plan &plan);

// How many images one pass through the network takes: a large batch runs in
// passes whose activations fit a cache budget (8 MiB, half a typical L3),
// since a layer that streams a whole batch's activations through memory is
// slower per image than one pass per image (ResNet-50 at 224, ~8 MiB per
// image: batch 8 in one pass 0.40 s, image by image 0.36 s). Kernels index
// with int32, so a pass also keeps every buffer under 2 GiB.
int images_per_pass(const Plan &plan, const MemoryLayout &m);

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
