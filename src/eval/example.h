#pragma once
// One evaluation example: a context and the questions asked against it
// (after compression, never before: the setting is query-agnostic).
#include <cstdint>
#include <string>
#include <vector>

#include "eval/metrics.h"

namespace kvzip::eval {

struct Question {
    std::string text;
    Answer answer;
    // Start of the assistant's answer, appended after the question as RULER
    // does: it keeps answers short (fast) and in a form the metrics can read.
    std::string answer_prefix;
};

struct Example {
    std::string task;
    int64_t index = 0;           // within its task (with the seed, identifies it)
    std::string context;
    std::vector<Question> questions;
    int max_new_tokens = 32;     // enough for the answer, short to keep runs fast
    std::string metric = "recall";  // the task's main metric (eval/metrics.h names)
};

}  // namespace kvzip::eval
