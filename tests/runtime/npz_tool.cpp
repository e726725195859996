// netc_runtime's .npy/.npz reader and writer on the command line, for
// numpy_interop.py, which drives it with files NumPy wrote and reads back
// what it writes.
//   npz_tool dump FILE                  one line per tensor: name, shape, data as hex
//   npz_tool copy IN OUT [stored|deflated|zip64|zip64-deflated]
// A file ending in .npy is one tensor (named ""), anything else an .npz.
// Errors go to stderr with exit status 1.
#include "Npy.h"
#include "Zip.h"

#include <iostream>

using namespace netc::rt;

namespace {

bool is_npy(const std::string &path) { return path.size() >= 4 && path.compare(path.size() - 4, 4, ".npy") == 0; }

NamedArrays read_any(const std::string &path) {
    if (is_npy(path)) return {{"", read_npy(path)}};
    return read_npz(path);
}

int usage() {
    std::cerr << "usage: npz_tool dump FILE | npz_tool copy IN OUT [stored|deflated|zip64|zip64-deflated]\n";
    return 2;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc < 3) return usage();
    std::string cmd = argv[1];
    try {
        if (cmd == "dump" && argc == 3) {
            for (auto &[name, a] : read_any(argv[2])) {
                static const char digits[] = "0123456789abcdef";
                std::string hex;
                const auto *p = reinterpret_cast<const uint8_t *>(a.data.data());
                for (size_t i = 0; i < a.data.size() * 4; ++i) hex += {digits[p[i] >> 4], digits[p[i] & 15]};
                std::cout << name << '\t' << a.shape_str() << '\t' << hex << '\n';
            }
            return 0;
        }
        if (cmd == "copy" && (argc == 4 || argc == 5)) {
            std::string out = argv[3], mode = argc == 5 ? argv[4] : "stored";
            NamedArrays arrays = read_any(argv[2]);
            if (is_npy(out)) {
                if (arrays.size() != 1) throw IOError(out + ": an .npy file holds one array");
                write_npy(out, arrays[0].second);
            } else if (mode == "stored" || mode == "deflated") {
                write_npz(out, arrays, mode == "deflated");
            } else if (mode == "zip64" || mode == "zip64-deflated") {
                detail::OutFile f(out);
                detail::write_npz_to(f, out, arrays, mode == "zip64-deflated", 0);
                f.commit();
            } else {
                return usage();
            }
            return 0;
        }
    } catch (const IOError &e) {
        std::cerr << e.what() << '\n';
        return 1;
    }
    return usage();
}
