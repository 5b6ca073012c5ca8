#pragma once
// The results of `kvzip eval`: JSON Lines, one line per (example, method,
// ratio, question), appended and flushed as soon as each is known. Reopening
// the file finds what is already there so that a rerun skips it (resume), and
// drops a last line cut short by a crash.
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

namespace kvzip::eval {

// What identifies a result line: the model, the example (task, context
// length, seed, index), the method, the requested ratio and the question.
struct ResultKey {
    std::string model, task;
    int64_t ctx_len = 0;
    uint64_t seed = 0;
    int64_t example = 0;
    std::string method;
    double ratio = 0;
    int64_t question = 0;

    std::string str() const;
    static ResultKey from_json(const nlohmann::json& line);  // throws kvzip::Error on missing fields
    void to_json(nlohmann::json& line) const;                 // writes the key's fields
};

class ResultsFile {
public:
    // Reads the existing results of `path` (if any) and opens it for appending.
    explicit ResultsFile(const std::string& path);

    bool has(const ResultKey& key) const { return done_.count(key.str()) != 0; }
    size_t existing() const { return existing_; }
    void append(const nlohmann::json& line);  // one line, flushed

private:
    std::string path_;
    std::set<std::string> done_;
    size_t existing_ = 0;
    std::ofstream out_;
};

}  // namespace kvzip::eval
