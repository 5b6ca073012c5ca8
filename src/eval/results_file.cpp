#include "eval/results_file.h"

#include <cstdio>
#include <filesystem>
#include <sstream>

#include "util/error.h"

namespace kvzip::eval {

std::string ResultKey::str() const {
    char r[32];
    std::snprintf(r, sizeof r, "%.6g", ratio);
    std::ostringstream s;
    s << model << '|' << task << '|' << ctx_len << '|' << seed << '|' << example << '|' << method << '|' << r << '|'
      << question;
    return s.str();
}

ResultKey ResultKey::from_json(const nlohmann::json& j) {
    try {
        ResultKey k;
        k.model = j.at("model").get<std::string>();
        k.task = j.at("task").get<std::string>();
        k.ctx_len = j.at("ctx_len").get<int64_t>();
        k.seed = j.at("seed").get<uint64_t>();
        k.example = j.at("example").get<int64_t>();
        k.method = j.at("method").get<std::string>();
        k.ratio = j.at("ratio").get<double>();
        k.question = j.at("question_index").get<int64_t>();
        return k;
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("a result line lacks a key field: ") + e.what());
    }
}

void ResultKey::to_json(nlohmann::json& j) const {
    j["model"] = model;
    j["task"] = task;
    j["ctx_len"] = ctx_len;
    j["seed"] = seed;
    j["example"] = example;
    j["method"] = method;
    j["ratio"] = ratio;
    j["question_index"] = question;
}

ResultsFile::ResultsFile(const std::string& path) : path_(path) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (fs::exists(path, ec)) {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw Error(path + ": cannot read the results file");
        std::stringstream ss;
        ss << in.rdbuf();
        const std::string all = ss.str();
        // A last line without its newline was cut short: drop it (it is redone).
        const size_t complete = all.empty() || all.back() == '\n' ? all.size() : all.rfind('\n') + 1;
        size_t begin = 0;
        int64_t line_no = 0;
        while (begin < complete) {
            const size_t end = all.find('\n', begin);
            const std::string line = all.substr(begin, end - begin);
            ++line_no;
            begin = end + 1;
            if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
            nlohmann::json j;
            try {
                j = nlohmann::json::parse(line);
            } catch (const nlohmann::json::parse_error&) {
                throw Error(path + ":" + std::to_string(line_no) + ": not a JSON line; is this a kvzip eval results file?");
            }
            try {
                done_.insert(ResultKey::from_json(j).str());
            } catch (const Error& e) {
                throw Error(path + ":" + std::to_string(line_no) + ": " + e.what());
            }
            ++existing_;
        }
        if (complete != all.size()) fs::resize_file(path, complete, ec);
        if (ec) throw Error(path + ": cannot drop the incomplete last line: " + ec.message());
    }
    out_.open(path, std::ios::binary | std::ios::app);
    if (!out_) throw Error(path + ": cannot open the results file for writing");
}

void ResultsFile::append(const nlohmann::json& line) {
    // Generated text may end inside a UTF-8 character: replace, never fail.
    out_ << line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    out_.flush();
    if (!out_) throw Error(path_ + ": write failed");
    done_.insert(ResultKey::from_json(line).str());
}

}  // namespace kvzip::eval
