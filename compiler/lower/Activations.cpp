// The activations ONNX models add to TF-slim's (issue 12) that need more
// than one line of activate(): GELU's exact form, and the kernel-key text
// of activations with constants of their own.
#include "Kernel.h"

#include <sstream>

namespace netc::lower {

using namespace Halide;

Expr gelu(Expr x) {
    // torch.nn.GELU() (approximate='none') and tf.nn.gelu(approximate=False).
    // Halide's erf is accurate to the last three bits and vectorizes.
    return 0.5f * x * (1.0f + erf(x * 0.70710678118654752f));
}

std::string activation_key(ir::Activation a, const ir::Node &owner) {
    std::string key = ir::activation_name(a);
    if (a == ir::Activation::HardSigmoid) {
        // Its constants are baked into the code: 0.2 (ONNX) and 1/6 (PyTorch) differ.
        std::ostringstream s;
        s.precision(17);
        s << "(" << owner.act_alpha << "," << owner.act_beta << ")";
        key += s.str();
    }
    return key;
}

}  // namespace netc::lower
