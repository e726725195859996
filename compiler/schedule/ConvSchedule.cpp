#include "ConvSchedule.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace netc::schedule {

using namespace Halide;

std::string ConvProblem::signature() const {
    std::ostringstream s;
    if (fc) {
        s << "fc in" << ci << " out" << co;
    } else {
        s << "conv k" << kh << "x" << kw << " s" << stride_h << "x" << stride_w << " d" << rate_h << "x" << rate_w
          << " in" << ci << " out" << co << "x" << ow << "x" << oh;
    }
    return s.str();
}

// NETC_NO_WINOGRAD=1 makes every layer direct, tuned ones included: a way
// to tell a Winograd layer's rounding from a bug.
bool ConvProblem::winograd_eligible() const {
    static const bool disabled = getenv("NETC_NO_WINOGRAD") != nullptr;
    return !disabled && !fc && kh == 3 && kw == 3 && stride_h == 1 && stride_w == 1 && rate_h == 1 && rate_w == 1;
}

std::string ConvSchedule::str() const {
    std::ostringstream s;
    if (algorithm == Winograd) s << "winograd" << m;
    else s << "direct";
    s << " b" << block << " v" << vector << " t" << tx << "x" << ty << " k" << tasks;
    if (spatial_outer) s << " so";
    if (chunk) s << " c" << chunk << "x" << panel;
    return s.str();
}

std::optional<ConvSchedule> ConvSchedule::parse(const std::string &text) {
    std::istringstream in(text);
    std::string alg, b, v, t, k;
    if (!(in >> alg >> b >> v >> t >> k)) return std::nullopt;
    ConvSchedule s;
    if (alg == "direct") {
        s.algorithm = Direct;
    } else if (alg.rfind("winograd", 0) == 0 && alg.size() > 8) {
        s.algorithm = Winograd;
        s.m = std::atoi(alg.c_str() + 8);
        if (s.m != 2 && s.m != 4 && s.m != 6) return std::nullopt;
    } else {
        return std::nullopt;
    }
    if (std::sscanf(b.c_str(), "b%d", &s.block) != 1 || std::sscanf(v.c_str(), "v%d", &s.vector) != 1 ||
        std::sscanf(t.c_str(), "t%dx%d", &s.tx, &s.ty) != 2 || std::sscanf(k.c_str(), "k%d", &s.tasks) != 1)
        return std::nullopt;
    if (s.block < 1 || s.vector < 1 || s.tx < 1 || s.ty < 1 || s.tasks < 1 || s.block > 4096 || s.tx > 64 ||
        s.ty > 64 || s.tasks > 4096)
        return std::nullopt;
    for (std::string rest; in >> rest;) {
        if (s.algorithm != ConvSchedule::Direct) return std::nullopt;
        if (rest == "so") {
            s.spatial_outer = true;
        } else if (std::sscanf(rest.c_str(), "c%dx%d", &s.chunk, &s.panel) == 2) {
            if (s.chunk < 1 || s.panel < 1 || s.chunk > 65536 || s.panel > 65536) return std::nullopt;
        } else {
            return std::nullopt;
        }
    }
    return s;
}

namespace {

bool tile_fits(int v, int points, int regs) { return v * points + v + 1 <= regs; }

int vector_registers(const Target &t) { return t.has_feature(Target::AVX512) ? 32 : 16; }

// Cost of covering `extent` with tiles of `t`: ragged tiles recompute (ShiftInwards).
double coverage(int64_t extent, int t) { return double((extent + t - 1) / t * t) / double(extent); }

// The floor that streaming `weight_bytes` from memory once per image puts
// under a kernel, relative to its ideal compute time (its direct
// multiply-adds at two FMAs a cycle): about 4 bytes a cycle per core from
// DRAM once weights outgrow L2 (about 10 GB/s, as measured on 7x7 layers),
// 32 from L2.
double memory_floor(const ConvProblem &p, double weight_bytes, const Target &t) {
    double macs = double(p.co) * p.ci * p.kh * p.kw * p.ow * p.oh;
    double ideal_cycles = macs / (2.0 * t.natural_vector_size<float>());
    double bytes_per_cycle = weight_bytes > 2.0 * (1 << 20) ? 4.0 : 32.0;
    return weight_bytes / bytes_per_cycle / ideal_cycles;
}

// Relative time per useful multiply-add of a direct register tile of v
// vectors x p points: the FMA ports, the load ports (v weight vectors and p
// broadcasts a step) and L2, which streams a block's weights once per tile
// (they rarely fit L1), each a limit; ragged tiles recompute their overlap.
double direct_cost(const ConvProblem &p, int v, int tx, int ty, const Target &t) {
    int points = tx * ty;
    double vector_bytes = t.natural_vector_size<float>() * 4.0;
    double fma = v * points / 2.0, loads = (v + points) / 2.0, l2 = v * vector_bytes / 20.0;
    double step = std::max({fma, loads, l2});
    // The inputs a tile reads for one kernel row should stay in L1.
    double row_bytes = double((tx - 1) * p.stride_w + (p.kw - 1) * p.rate_w + 1) * ty * p.ci * 4;
    double l1 = row_bytes > 40 * 1024 ? 1.25 : 1.0;
    double weights = 4.0 * p.co * p.ci * p.kh * p.kw;
    return std::max(coverage(p.ow, tx) * coverage(p.oh, ty) * l1 * step / fma, memory_floor(p, weights, t));
}

// Relative time of Winograd F(m, 3) with v vectors x tx x ty tiles per
// register tile, against the direct convolution's ideal: the GEMM does
// (m+2)^2 / (9 m^2) of the multiplies (at the register tile's efficiency,
// its weights 4x the direct ones), over whole tiles; the transforms cost
// O(channels) per tile and run far from peak.
double winograd_cost(const ConvProblem &p, int m, int v, int tx, int ty, const Target &t) {
    int alpha = m + 2;
    int64_t tiles_x = (p.ow + m - 1) / m, tiles_y = (p.oh + m - 1) / m;
    double waste = double(tiles_x * m) / p.ow * double(tiles_y * m) / p.oh * coverage(tiles_x, tx) *
                   coverage(tiles_y, ty);
    int points = tx * ty;
    double vector_bytes = t.natural_vector_size<float>() * 4.0;
    double fma = v * points / 2.0, loads = (v + points) / 2.0, l2 = v * vector_bytes / 20.0;
    double gemm = std::max({fma, loads, l2}) / fma * double(alpha * alpha) / (9.0 * m * m);
    double transforms = 3.0 * (double(alpha * alpha * alpha) * 4 / (18.0 * m * m * p.co) +
                               2.0 * alpha * m * (alpha + m) / (18.0 * m * m * p.ci));
    double weights = 4.0 * p.co * p.ci * alpha * alpha;
    return std::max(waste * (gemm + transforms), memory_floor(p, weights, t));
}

}  // namespace

bool valid_for(const ConvSchedule &s, const ConvProblem &p, const Target &t) {
    int lanes = t.natural_vector_size<float>();
    // Blocks that do not divide the channels are padded, with full vectors only.
    if (s.vector > lanes || s.block % s.vector != 0 || (p.co % s.block != 0 && s.vector != lanes)) return false;
    if (s.algorithm == ConvSchedule::Winograd)
        return p.winograd_eligible() && p.co % s.block == 0 && s.vector == lanes && s.tx <= (p.ow + s.m - 1) / s.m &&
               s.ty <= (p.oh + s.m - 1) / s.m && tile_fits(s.block / s.vector, s.tx * s.ty, vector_registers(t) + 2);
    if (s.tx > p.ow || s.ty > p.oh) return false;
    if (s.chunk && (p.ci % s.chunk != 0 || p.oh % s.panel != 0 || s.panel % s.ty != 0 || p.ow % s.tx != 0 ||
                    p.co % s.block != 0 || s.spatial_outer))
        return false;
    return tile_fits(s.block / s.vector, s.tx * s.ty, vector_registers(t) + 2);
}

// Spatial tiles outermost when the weights are small (a quarter of L2) and
// the activations larger than them: each channel block would otherwise
// re-read the whole input and write each output point in pieces.
bool prefers_spatial_outer(const ConvProblem &p) {
    double weights = 4.0 * p.co * p.ci * p.kh * p.kw;
    double activations = 4.0 * (p.ci * p.ow * p.stride_w * p.oh * p.stride_h + p.co * p.ow * p.oh);
    return weights <= 512 * 1024 && activations > weights;
}

std::vector<ConvSchedule> conv_candidates(const ConvProblem &p, const Target &t) {
    int lanes = t.natural_vector_size<float>(), regs = vector_registers(t);
    struct Scored {
        double cost;
        ConvSchedule s;
    };
    std::vector<Scored> all;
    // Vectors of the target's width, or narrower ones that divide the
    // channels, or full ones over channels padded to whole blocks (1001
    // classes): each a cost factor for its idle lanes.
    std::vector<int> widths = {lanes};
    for (int w = lanes / 2; w >= 4; w /= 2)
        if (p.co % lanes != 0 && p.co % w == 0) widths.push_back(w);
    // Wide vectors pad at most 1/8, unless nothing else fits (5 classes).
    bool any_unpadded = false;
    for (int w : widths) any_unpadded |= p.co % w == 0;
    for (int w : widths)
        for (int v = 1; v <= 6; v++) {
            int64_t block = int64_t(v) * w;
            bool padded = p.co % block != 0;
            if (padded && (w != lanes || p.co % lanes == 0)) continue;
            if (padded && any_unpadded && (p.co + block - 1) / block * block * 8 > p.co * 9) continue;
            if (padded && block > 2 * lanes && block > p.co) continue;
            int max_points = (regs - v - 1) / v;
            double lane_cost = double(lanes) / w * double((p.co + block - 1) / block * block) / p.co;
            for (int ty = 1; ty <= 4; ty++)
                for (int tx = 1; tx * ty <= max_points; tx++) {
                    if (tx > p.ow || ty > p.oh) continue;
                    // Tiles using under half the registers are never competitive.
                    if (2 * v * tx * ty < regs - v - 1 && !(tx == p.ow && ty == p.oh)) continue;
                    ConvSchedule s;
                    s.block = static_cast<int>(block);
                    s.vector = w;
                    s.tx = tx;
                    s.ty = ty;
                    s.spatial_outer = prefers_spatial_outer(p);
                    all.push_back({lane_cost * direct_cost(p, v, tx, ty, t), s});
                }
        }
    std::stable_sort(all.begin(), all.end(), [](const Scored &a, const Scored &b) { return a.cost < b.cost; });
    std::vector<ConvSchedule> out;
    for (auto &c : all)
        if (out.size() < 12) out.push_back(c.s);
    // Long reductions in chunks over panels of rows, with tiles that divide
    // the output exactly (an update cannot recompute a point): the ones
    // holding the most accumulators.
    if (p.ci >= 256 && !p.fc && p.co % lanes == 0) {
        std::vector<Scored> panels;
        for (int v = 1; v <= 4; v++) {
            if (p.co % (v * lanes)) continue;
            for (int ty = 1; ty <= 4; ty++)
                for (int tx = 1; tx <= p.ow; tx++) {
                    if (p.ow % tx || p.oh % ty || !tile_fits(v, tx * ty, regs) || v * tx * ty < 7)
                        continue;
                    ConvSchedule k;
                    k.block = v * lanes;
                    k.vector = lanes;
                    k.tx = tx;
                    k.ty = ty;
                    k.chunk = p.ci % 256 == 0 ? 256 : 128;
                    if (p.ci % k.chunk) continue;
                    k.panel = static_cast<int>(p.oh);
                    panels.push_back({-double(v * tx * ty), k});
                }
        }
        std::stable_sort(panels.begin(), panels.end(), [](const Scored &a, const Scored &b) { return a.cost < b.cost; });
        for (size_t i = 0; i < panels.size() && i < 4; i++) out.push_back(panels[i].s);
    }
    // Winograd candidates compete in their own list, so the direct ones
    // are always measured too.
    if (p.winograd_eligible() && p.co % lanes == 0) {
        std::vector<Scored> wino;
        for (int m : {4, 2}) {
            int64_t tiles_x = (p.ow + m - 1) / m, tiles_y = (p.oh + m - 1) / m;
            for (int v = 1; v <= 4; v++) {
                if (p.co % (v * lanes) != 0) continue;
                for (int ty = 1; ty <= 4 && ty <= tiles_y; ty++)
                    for (int tx = 1; tx <= tiles_x && tile_fits(v, tx * ty, regs); tx++) {
                        if (2 * v * tx * ty < regs - v - 1 && !(tx == tiles_x && ty == tiles_y)) continue;
                        ConvSchedule s;
                        s.algorithm = ConvSchedule::Winograd;
                        s.m = m;
                        s.block = v * lanes;
                        s.vector = lanes;
                        s.tx = tx;
                        s.ty = ty;
                        s.tasks = 8;
                        wino.push_back({winograd_cost(p, m, v, tx, ty, t), s});
                    }
            }
        }
        std::stable_sort(wino.begin(), wino.end(), [](const Scored &a, const Scored &b) { return a.cost < b.cost; });
        for (size_t i = 0; i < wino.size() && i < 8; i++) out.push_back(wino[i].s);
        // The model's choice first: the cheaper of the two best.
        if (!wino.empty() && !all.empty() && wino.front().cost < all.front().cost)
            std::rotate(out.begin(), out.end() - static_cast<long>(std::min<size_t>(wino.size(), 8)),
                        out.end() - static_cast<long>(std::min<size_t>(wino.size(), 8)) + 1);
    }
    return out;
}

ConvSchedule model_conv_schedule(const ConvProblem &p, const Target &t) {
    std::vector<ConvSchedule> c = conv_candidates(p, t);
    if (!c.empty()) return c.front();
    ConvSchedule s;
    s.block = s.vector = 1;
    return s;
}

}  // namespace netc::schedule
