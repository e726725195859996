// Register-tiled dense convolutions for training (ConvTiles.cpp), for the
// layers whose outputs hold at least one tile; ConvGrad.cpp chooses.
#pragma once

#include "TrainKernels.h"

namespace netc::grad {

// Whether an output (c, x, y, n) holds one tile: 32 channels by 7 columns.
bool tiles_fit(const Buf &out);
// Whether a filter gradient (cout, cin, kx, ky) holds one tile.
bool filter_tiles_fit(const ConvGeom &g, const Buf &dw);

void conv_forward_tiled(const ConvGeom &g, const Buf &x, const Buf &w, const Buf *b, const Buf *res, Buf &y);
void conv_backward_data_tiled(const ConvGeom &g, const Buf &dy, const Buf &w, Buf &dx);
void conv_backward_filter_tiled(const ConvGeom &g, const Buf &dy, const Buf &x, Buf &dw);

}  // namespace netc::grad
