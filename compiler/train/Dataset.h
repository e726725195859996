// netc train's data: an .npz of images and labels, MNIST's idx files or
// CIFAR-10's binary batches, read into float32 NHWC images and float class
// ids, and checked against the network before the first step. Every
// malformed file is an rt::IOError naming the file and the place in it.
#pragma once

#include "IR.h"
#include "Npy.h"

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace netc::train {

struct Dataset {
    std::string name;    // as given (--data), for messages
    std::string format;  // "npz", "MNIST idx" or "CIFAR-10"
    std::vector<int64_t> shape;  // of one example: [H, W, C]
    std::vector<float> images, labels;
    int64_t count = 0, per_example = 0;
    // Where example i's label came from: "labels[7]" or
    // "data_batch_2.bin: record 17 (byte offset 52241)".
    std::function<std::string(int64_t)> where;
};

enum class Split { Training, Validation };

// Reads `spec` and checks it against the network's image input and its
// number of classes. `spec` is
//   FILE.npz                       arrays `images` (float32 NHWC) and `labels`
//   IMAGES-idx3-ubyte:LABELS-idx1-ubyte   MNIST's files, either gzipped
//   BATCH.bin[,BATCH.bin...]       CIFAR-10 binary batches
//   DIR                            MNIST's four files (train-* for training,
//                                  t10k-* for validation) or
//                                  cifar-10-batches-bin (data_batch_1..5.bin,
//                                  test_batch.bin)
Dataset load_dataset(const std::string &spec, Split split, const ir::Node &input, int64_t classes);

// One reader per format, unchecked against any network.
Dataset read_npz_dataset(const std::string &file);
// Pixels / 255 as [N, rows, cols, 1]; either file may be gzipped.
Dataset read_mnist(const std::string &images_file, const std::string &labels_file);
// Pixels / 255 as [N, 32, 32, 3] (the files hold channel planes).
Dataset read_cifar10(const std::vector<std::string> &files);

// The whole of `file`, gunzipped if it is gzip (`gzipped` says whether it was).
std::vector<uint8_t> read_file_bytes(const std::string &file, bool &gzipped);

}  // namespace netc::train
