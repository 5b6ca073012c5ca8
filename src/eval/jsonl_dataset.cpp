#include "eval/jsonl_dataset.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "util/error.h"

namespace kvzip::eval {

namespace {

Answer parse_answer(const nlohmann::json& a, const std::string& where) {
    Answer ans;
    ans.kind = Answer::Kind::AnyOf;
    if (a.is_string()) {
        ans.items.push_back(a.get<std::string>());
    } else if (a.is_number()) {
        ans.items.push_back(a.dump());  // GSM8K-style numeric answers
    } else if (a.is_array() && !a.empty()) {
        for (const auto& alt : a) {
            if (!alt.is_string() && !alt.is_number()) throw Error(where + ": answer alternatives must be strings");
            ans.items.push_back(alt.is_string() ? alt.get<std::string>() : alt.dump());
        }
    } else {
        throw Error(where + ": an answer must be a string or a non-empty list of strings");
    }
    return ans;
}

}  // namespace

std::vector<Example> load_jsonl_examples(const std::string& path, const std::string& task) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot read the dataset");
    std::vector<Example> out;
    std::string line;
    for (int64_t line_no = 1; std::getline(in, line); ++line_no) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        const std::string where = path + ":" + std::to_string(line_no);
        nlohmann::json j;
        try {
            j = nlohmann::json::parse(line);
        } catch (const nlohmann::json::parse_error& e) {
            throw Error(where + ": not valid JSON (" + e.what() + ")");
        }
        if (!j.is_object() || !j.contains("context") || !j["context"].is_string())
            throw Error(where + ": expected an object with a string \"context\"");
        Example e;
        e.task = task;
        e.index = (int64_t)out.size();
        e.context = j["context"].get<std::string>();
        e.metric = "contains";
        nlohmann::json qs = j.contains("questions") ? j["questions"] : nlohmann::json::array({j.value("question", nlohmann::json())});
        nlohmann::json as = j.contains("answers") ? j["answers"] : nlohmann::json::array({j.value("answer", nlohmann::json())});
        if (!qs.is_array() || !as.is_array() || qs.empty() || qs.size() != as.size())
            throw Error(where + ": \"questions\" and \"answers\" must be lists of the same, non-zero length");
        for (size_t i = 0; i < qs.size(); ++i) {
            if (!qs[i].is_string()) throw Error(where + ": questions must be strings");
            e.questions.push_back({qs[i].get<std::string>(), parse_answer(as[i], where), ""});
        }
        if (e.context.empty()) throw Error(where + ": the context is empty");
        out.push_back(std::move(e));
    }
    if (out.empty()) throw Error(path + ": no examples");
    return out;
}

}  // namespace kvzip::eval
