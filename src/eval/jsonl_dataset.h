#pragma once
// User datasets in JSON Lines, one example per line:
//   {"context": "...", "questions": ["...", ...], "answers": [ANSWER, ...]}
// (or "question": "..." and "answer": ANSWER for a single question). An
// ANSWER is a string or a list of acceptable alternatives (any one is right,
// as in SQuAD). So SQuAD, GSM8K or SCBench exports can be used as they are.
//
// Optional keys, written by save_jsonl_examples so that a generated task
// reads back exactly: "answer_kinds" (per question, "any" as above or "all":
// every item of the list must appear), "answer_prefixes" (per question, the
// start of the answer appended after it), "metric" and "max_new_tokens".
#include <string>
#include <vector>

#include "eval/example.h"

namespace kvzip::eval {

// Every example of `path` (blank lines skipped); `task` names them in the
// results. kvzip::Error names the file and line of anything malformed.
std::vector<Example> load_jsonl_examples(const std::string& path, const std::string& task);

// Writes `examples` in that format (`kvzip eval --export-tasks`): the
// generated tasks can be read, reused by other tools, or evaluated again
// with jsonl:FILE.
void save_jsonl_examples(const std::vector<Example>& examples, const std::string& path);

}  // namespace kvzip::eval
