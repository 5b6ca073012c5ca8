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
        // Optional per-question lists, of the questions' length.
        auto per_question = [&](const char* key) {
            if (!j.contains(key)) return nlohmann::json();
            const nlohmann::json& v = j[key];
            if (!v.is_array() || v.size() != qs.size())
                throw Error(where + ": \"" + key + "\" must be a list as long as \"questions\"");
            for (const auto& x : v)
                if (!x.is_string()) throw Error(where + ": \"" + key + "\" must hold strings");
            return v;
        };
        const nlohmann::json kinds = per_question("answer_kinds"), prefixes = per_question("answer_prefixes");
        for (size_t i = 0; i < qs.size(); ++i) {
            if (!qs[i].is_string()) throw Error(where + ": questions must be strings");
            Question q{qs[i].get<std::string>(), parse_answer(as[i], where), ""};
            if (!kinds.is_null()) {
                const std::string k = kinds[i].get<std::string>();
                if (k != "all" && k != "any") throw Error(where + ": an answer kind is \"all\" or \"any\", not \"" + k + "\"");
                q.answer.kind = k == "all" ? Answer::Kind::AllOf : Answer::Kind::AnyOf;
            }
            if (!prefixes.is_null()) q.answer_prefix = prefixes[i].get<std::string>();
            e.questions.push_back(std::move(q));
        }
        if (j.contains("metric")) {
            if (!j["metric"].is_string() || !is_metric_name(j["metric"].get<std::string>()))
                throw Error(where + ": unknown \"metric\" (exact, contains, recall or rouge_l)");
            e.metric = j["metric"].get<std::string>();
        }
        if (j.contains("max_new_tokens")) {
            if (!j["max_new_tokens"].is_number_integer() || j["max_new_tokens"].get<int64_t>() < 1 ||
                j["max_new_tokens"].get<int64_t>() > 4096)
                throw Error(where + ": \"max_new_tokens\" must be an integer in [1, 4096]");
            e.max_new_tokens = j["max_new_tokens"].get<int>();
        }
        if (e.context.empty()) throw Error(where + ": the context is empty");
        out.push_back(std::move(e));
    }
    if (out.empty()) throw Error(path + ": no examples");
    return out;
}

void save_jsonl_examples(const std::vector<Example>& examples, const std::string& path) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) throw Error(path + ": cannot write the tasks");
    for (const Example& e : examples) {
        nlohmann::json j;
        j["task"] = e.task;  // informative; jsonl:FILE names the task itself
        j["index"] = e.index;
        j["context"] = e.context;
        j["questions"] = nlohmann::json::array();
        j["answers"] = nlohmann::json::array();
        j["answer_kinds"] = nlohmann::json::array();
        j["answer_prefixes"] = nlohmann::json::array();
        for (const Question& q : e.questions) {
            j["questions"].push_back(q.text);
            j["answers"].push_back(q.answer.items);
            j["answer_kinds"].push_back(q.answer.kind == Answer::Kind::AllOf ? "all" : "any");
            j["answer_prefixes"].push_back(q.answer_prefix);
        }
        j["metric"] = e.metric;
        j["max_new_tokens"] = e.max_new_tokens;
        out << j.dump() << '\n';
    }
    out.flush();
    if (!out) throw Error(path + ": writing the tasks failed");
}

}  // namespace kvzip::eval
