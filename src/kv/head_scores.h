#pragma once
// Context-independent head scores (DESIGN.md 1.5): one score per (layer, KV
// head), calibrated once per model and stored in a small versioned JSON file
// that names the model it belongs to, so a file for another model is refused.
#include <cstdint>
#include <string>
#include <vector>

#include "kv/importance.h"

namespace kvzip {

// What identifies a model for head scores: shape plus a fingerprint of the
// tensor table (names, types, shapes), so two files with the same weights
// layout match and a different model does not.
struct ModelIdentity {
    std::string name;
    std::string architecture;
    int n_layer = 0;
    int n_head_kv = 0;
    std::string fingerprint;  // 16 hex digits
};

struct HeadScores {
    static constexpr const char* kFormat = "kvzip-head-scores";
    static constexpr int kVersion = 1;

    ModelIdentity model;
    std::vector<float> scores;               // [layer][kv head]
    std::vector<std::string> calibration;    // names of the calibration contexts
    int64_t calibration_tokens = 0;

    // Folds one scored context in: head score = max over positions, and
    // several contexts combine by max.
    void accumulate(const ImportanceScores& s);

    void save(const std::string& path) const;
    // Loads and validates; throws kvzip::Error naming the file and the problem
    // (unreadable, not a head-score file, unknown version, another model).
    static HeadScores load(const std::string& path, const ModelIdentity& expected);
};

}  // namespace kvzip
