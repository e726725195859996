// Which reader a --data spec asks for, the .npz reader, and the checks every
// format shares: the images fit the network's input, the labels its classes.
#include "Dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace netc::train {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string &s, const std::string &tail) {
    return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

std::string shape_str(const std::vector<int64_t> &dims) {
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); i++) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
}

// The first of `names` (each also tried with .gz) that exists in dir.
std::string find_in(const fs::path &dir, const std::vector<std::string> &names) {
    std::error_code ec;
    for (const std::string &n : names)
        for (const char *gz : {"", ".gz"})
            if (fs::is_regular_file(dir / (n + gz), ec)) return (dir / (n + gz)).string();
    return "";
}

Dataset read_directory(const std::string &spec, Split split) {
    fs::path dir(spec);
    std::error_code ec;
    // MNIST's names as yann.lecun.com serves them, and with a dot as some
    // mirrors (Kaggle) spell them.
    std::string prefix = split == Split::Training ? "train" : "t10k";
    std::string images = find_in(dir, {prefix + "-images-idx3-ubyte", prefix + "-images.idx3-ubyte"});
    std::string labels = find_in(dir, {prefix + "-labels-idx1-ubyte", prefix + "-labels.idx1-ubyte"});
    if (!images.empty() && !labels.empty()) {
        Dataset d = read_mnist(images, labels);
        d.name = spec;
        return d;
    }
    // The CIFAR-10 archive unpacks into cifar-10-batches-bin.
    for (fs::path at : {dir, dir / "cifar-10-batches-bin"}) {
        std::vector<std::string> files;
        if (split == Split::Validation) {
            if (fs::is_regular_file(at / "test_batch.bin", ec)) files.push_back((at / "test_batch.bin").string());
        } else {
            for (int i = 1; i <= 5 && fs::is_regular_file(at / ("data_batch_" + std::to_string(i) + ".bin"), ec); i++)
                files.push_back((at / ("data_batch_" + std::to_string(i) + ".bin")).string());
        }
        if (files.empty()) continue;
        Dataset d = read_cifar10(files);
        d.name = spec;
        return d;
    }
    if (!images.empty() || !labels.empty())
        throw rt::IOError(spec + ": has " + fs::path(images.empty() ? labels : images).filename().string() +
                          " but not its " + (images.empty() ? "images (" + prefix + "-images-idx3-ubyte)"
                                                             : "labels (" + prefix + "-labels-idx1-ubyte)"));
    throw rt::IOError(spec + ": a directory with neither MNIST's " + prefix + "-images-idx3-ubyte and " + prefix +
                      "-labels-idx1-ubyte (or .gz) nor CIFAR-10's " +
                      (split == Split::Training ? "data_batch_1.bin ... data_batch_5.bin" : "test_batch.bin"));
}

std::vector<std::string> split_list(const std::string &s, char sep) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, sep)) out.push_back(item);
    if (!s.empty() && s.back() == sep) out.push_back("");
    return out;
}

// Formats without a tell-tale name are told by their first bytes.
Dataset read_sniffed(const std::string &file) {
    bool gz = false;
    std::vector<uint8_t> b = read_file_bytes(file, gz);
    if (b.size() >= 4 && b[0] == 'P' && b[1] == 'K') return read_npz_dataset(file);
    if (b.size() >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 0x08 && b[3] == 3)
        throw rt::IOError(file + ": an idx file of images needs its labels too: --data " + file +
                          ":LABELS-idx1-ubyte");
    throw rt::IOError(file + ": cannot tell its format; netc train reads an .npz of images and labels, MNIST's idx "
                             "files as IMAGES:LABELS, CIFAR-10's binary batches (.bin, several joined by commas) or "
                             "a directory of either");
}

Dataset read_any(const std::string &spec, Split split) {
    std::error_code ec;
    if (fs::is_directory(spec, ec)) return read_directory(spec, split);
    if (fs::exists(spec, ec) && ends_with(spec, ".npz")) return read_npz_dataset(spec);
    if (!fs::exists(spec, ec) && spec.find(',') != std::string::npos) {
        std::vector<std::string> files = split_list(spec, ',');
        for (const std::string &f : files)
            if (f.empty()) throw rt::IOError(spec + ": an empty name in the list of CIFAR-10 batches");
        Dataset d = read_cifar10(files);
        d.name = spec;
        return d;
    }
    if (ends_with(spec, ".bin") || ends_with(spec, ".bin.gz")) return read_cifar10({spec});
    size_t colon = spec.find(':');
    if (!fs::exists(spec, ec) && colon != std::string::npos) {
        Dataset d = read_mnist(spec.substr(0, colon), spec.substr(colon + 1));
        d.name = spec;
        return d;
    }
    if (ends_with(spec, ".npz")) return read_npz_dataset(spec);  // its error: not found
    return read_sniffed(spec);
}

}  // namespace

Dataset read_npz_dataset(const std::string &file) {
    rt::NamedArrays arrays = rt::read_npz(file, true);
    const rt::Array *im = nullptr, *lab = nullptr;
    for (auto &kv : arrays) {
        if (kv.first == "images") im = &kv.second;
        if (kv.first == "labels") lab = &kv.second;
    }
    if (!im || !lab) throw rt::IOError(file + ": needs arrays 'images' (float32, NHWC) and 'labels' (integers)");
    Dataset d;
    d.name = file;
    d.format = "npz";
    if (im->shape.size() < 2) throw rt::IOError(file + ": 'images' is " + im->shape_str() + "; it needs [N, H, W, C]");
    d.count = im->shape[0];
    d.shape.assign(im->shape.begin() + 1, im->shape.end());
    if (lab->shape != std::vector<int64_t>{d.count})
        throw rt::IOError(file + ": 'labels' is " + lab->shape_str() + "; it needs one label per image, [" +
                          std::to_string(d.count) + "]");
    for (float v : im->data)
        if (!std::isfinite(v)) throw rt::IOError(file + ": 'images' holds a non-finite value");
    d.images = im->data;
    d.labels = lab->data;
    d.where = [file](int64_t i) { return file + ": labels[" + std::to_string(i) + "]"; };
    return d;
}

Dataset load_dataset(const std::string &spec, Split split, const ir::Node &input, int64_t classes) {
    Dataset d = read_any(spec, split);
    if (d.count == 0) throw rt::IOError(spec + ": holds no examples");
    std::vector<int64_t> want(input.shape.dims.begin() + 1, input.shape.dims.end());
    int64_t size = 1;
    for (int64_t n : d.shape) size *= n;
    // A network that takes flat vectors gets each image's values in NHWC order.
    bool flat = want.size() == 1 && want[0] == size;
    if (d.shape != want && !flat) {
        std::vector<int64_t> all{d.count};
        all.insert(all.end(), d.shape.begin(), d.shape.end());
        throw rt::IOError(d.format == "npz" ? spec + ": 'images' is " + shape_str(all) + " but the network's input '" +
                                                  input.name + "' takes " + input.shape.str()
                                            : spec + ": " + d.format + " images are " + shape_str(all) +
                                                  " but the network's input '" + input.name + "' takes " +
                                                  input.shape.str());
    }
    d.per_example = size;
    for (int64_t i = 0; i < d.count; i++) {
        float l = d.labels[size_t(i)];
        if (!(l >= 0 && l < classes && l == std::floor(l))) {
            std::ostringstream v;
            v << l;
            throw rt::IOError(d.where(i) + " = " + v.str() + " is not a class id in [0, " + std::to_string(classes) +
                              ") (the network's logits have " + std::to_string(classes) + " classes)");
        }
    }
    d.name = spec;
    return d;
}

}  // namespace netc::train
