#include "kv/head_scores.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "util/error.h"

namespace kvzip {

void HeadScores::accumulate(const ImportanceScores& s) {
    const size_t n = (size_t)s.n_layer * s.n_head_kv;
    if (scores.empty()) scores.assign(n, 0.0f);
    if (scores.size() != n) throw Error("head scores: context scores have another shape");
    for (size_t h = 0; h < n; ++h) {
        const float* row = s.data.data() + h * s.n_ctx;
        for (int64_t j = 0; j < s.n_ctx; ++j) scores[h] = std::max(scores[h], row[j]);
    }
    calibration_tokens += s.n_ctx;
}

void HeadScores::save(const std::string& path) const {
    nlohmann::json layers = nlohmann::json::array();
    for (int l = 0; l < model.n_layer; ++l)
        layers.push_back(std::vector<float>(scores.begin() + (size_t)l * model.n_head_kv,
                                            scores.begin() + (size_t)(l + 1) * model.n_head_kv));
    const nlohmann::json j = {
        {"format", kFormat},
        {"version", kVersion},
        {"model",
         {{"name", model.name},
          {"architecture", model.architecture},
          {"n_layer", model.n_layer},
          {"n_head_kv", model.n_head_kv},
          {"fingerprint", model.fingerprint}}},
        {"calibration", {{"contexts", calibration}, {"tokens", calibration_tokens}}},
        {"scores", layers},
    };
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        out << j.dump(1) << "\n";
        if (!out) {
            std::filesystem::remove(tmp);
            throw Error(path + ": cannot write the head-score file");
        }
    }
    std::filesystem::rename(tmp, path);
}

HeadScores HeadScores::load(const std::string& path, const ModelIdentity& expected) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot read the head-score file");
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::exception& e) {
        throw Error(path + ": not a head-score file (invalid JSON: " + e.what() + ")");
    }
    auto bad = [&](const std::string& why) { return Error(path + ": " + why); };
    if (!j.is_object() || j.value("format", "") != kFormat) throw bad("not a kvzip head-score file");
    if (j.value("version", -1) != kVersion)
        throw bad("head-score file version " + j.value("version", nlohmann::json(-1)).dump() + ", this kvzip reads version " +
                  std::to_string(kVersion));
    HeadScores h;
    try {
        const auto& m = j.at("model");
        h.model.name = m.at("name").get<std::string>();
        h.model.architecture = m.at("architecture").get<std::string>();
        h.model.n_layer = m.at("n_layer").get<int>();
        h.model.n_head_kv = m.at("n_head_kv").get<int>();
        h.model.fingerprint = m.at("fingerprint").get<std::string>();
        if (h.model.fingerprint != expected.fingerprint || h.model.n_layer != expected.n_layer ||
            h.model.n_head_kv != expected.n_head_kv)
            throw bad("head scores are for model '" + h.model.name + "' (" + h.model.fingerprint + "), not for '" +
                      expected.name + "' (" + expected.fingerprint + ")");
        const auto& layers = j.at("scores");
        if (!layers.is_array() || (int)layers.size() != h.model.n_layer) throw bad("scores must have one row per layer");
        for (const auto& row : layers) {
            if (!row.is_array() || (int)row.size() != h.model.n_head_kv)
                throw bad("every score row must have one value per KV head");
            for (const auto& v : row) {
                if (!v.is_number()) throw bad("scores must be numbers");
                h.scores.push_back(v.get<float>());
            }
        }
        if (j.contains("calibration")) {
            h.calibration = j["calibration"].value("contexts", std::vector<std::string>{});
            h.calibration_tokens = j["calibration"].value("tokens", (int64_t)0);
        }
    } catch (const nlohmann::json::exception& e) {
        throw bad(std::string("malformed head-score file: ") + e.what());
    }
    return h;
}

}  // namespace kvzip
