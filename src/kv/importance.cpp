#include "kv/importance.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "util/error.h"

namespace kvzip {

void ImportanceScores::keep_recent(int64_t n) {
    n = std::clamp<int64_t>(n, 0, n_ctx);
    for (int l = 0; l < n_layer; ++l)
        for (int h = 0; h < n_head_kv; ++h) std::fill(row(l, h) + (n_ctx - n), row(l, h) + n_ctx, kAlwaysKeep);
}

void ImportanceScores::save_npy(const std::string& path) const {
    // NPY v1.0: magic, version, little-endian header length, a Python dict
    // literal padded with spaces to a multiple of 64 bytes, then the data.
    std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n_layer) + ", " +
                         std::to_string(n_head_kv) + ", " + std::to_string(n_ctx) + "), }";
    const size_t total = 10 + header.size() + 1;
    header.append((64 - total % 64) % 64, ' ');
    header.push_back('\n');
    // Write to a temporary name and rename, so a failed write leaves no half file.
    const std::string tmp = path + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "wb");
    if (!f) throw Error(path + ": cannot open for writing");
    const unsigned char magic[8] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
    const uint16_t hlen = (uint16_t)header.size();
    const unsigned char len_le[2] = {(unsigned char)(hlen & 0xFF), (unsigned char)(hlen >> 8)};
    bool ok = std::fwrite(magic, 1, 8, f) == 8 && std::fwrite(len_le, 1, 2, f) == 2 &&
              std::fwrite(header.data(), 1, header.size(), f) == header.size() &&
              std::fwrite(data.data(), sizeof(float), data.size(), f) == data.size();
    ok = (std::fclose(f) == 0) && ok;
    if (!ok) {
        std::filesystem::remove(tmp);
        throw Error(path + ": write failed");
    }
    std::filesystem::rename(tmp, path);
}

}  // namespace kvzip
