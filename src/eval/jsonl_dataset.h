#pragma once
// User datasets in JSON Lines, one example per line:
//   {"context": "...", "questions": ["...", ...], "answers": [ANSWER, ...]}
// (or "question": "..." and "answer": ANSWER for a single question). An
// ANSWER is a string or a list of acceptable alternatives (any one is right,
// as in SQuAD). So SQuAD, GSM8K or SCBench exports can be used as they are.
#include <string>
#include <vector>

#include "eval/example.h"

namespace kvzip::eval {

// Every example of `path` (blank lines skipped); `task` names them in the
// results. kvzip::Error names the file and line of anything malformed.
std::vector<Example> load_jsonl_examples(const std::string& path, const std::string& task);

}  // namespace kvzip::eval
