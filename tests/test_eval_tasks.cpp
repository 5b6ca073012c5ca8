// Task generators (no model: a word counter stands in for the tokenizer):
// answers are in the context, lengths hit the target, same seed = same
// example; and the JSON Lines loader.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>

#include "eval/jsonl_dataset.h"
#include "eval/runner.h"
#include "eval/tasks.h"
#include "util/error.h"

namespace kvzip::eval {
namespace {

int64_t count_words(const std::string& s) {
    int64_t n = 0;
    bool in = false;
    for (char c : s) {
        const bool space = c == ' ' || c == '\n' || c == '\t';
        n += !space && !in;
        in = !space;
    }
    return n;
}

TaskOptions options(int64_t ctx, uint64_t seed = 1, std::string haystack = "") {
    TaskOptions o;
    o.ctx_tokens = ctx;
    o.seed = seed;
    o.haystack_dir = std::move(haystack);
    o.count_tokens = count_words;
    return o;
}

TEST(EvalTasks, AnswersAreInTheContextAndLengthsHitTheTarget) {
    for (int64_t ctx : {300, 1500}) {
        const TaskGenerator gen(options(ctx));
        for (const std::string& task : TaskGenerator::task_names())
            for (int64_t i = 0; i < 3; ++i) {
                const Example e = gen.make(task, i, 3);
                SCOPED_TRACE(task + " #" + std::to_string(i) + " ctx " + std::to_string(ctx));
                EXPECT_EQ(e.task, task);
                EXPECT_EQ(e.index, i);
                const int64_t n = count_words(e.context);
                EXPECT_LE(std::llabs(n - ctx), ctx / 20) << n << " words";
                ASSERT_FALSE(e.questions.empty());
                for (const Question& q : e.questions) {
                    ASSERT_FALSE(q.answer.items.empty());
                    for (const std::string& item : q.answer.items)
                        EXPECT_NE(e.context.find(item), std::string::npos) << item;
                    EXPECT_FALSE(q.answer_prefix.empty());
                }
                EXPECT_GT(e.max_new_tokens, 0);
            }
    }
}

TEST(EvalTasks, Deterministic) {
    const TaskGenerator a(options(400, 5)), b(options(400, 5)), c(options(400, 6));
    for (const std::string& task : TaskGenerator::task_names()) {
        const Example x = a.make(task, 2, 4), y = b.make(task, 2, 4), z = c.make(task, 2, 4), w = a.make(task, 3, 4);
        EXPECT_EQ(x.context, y.context) << task;
        EXPECT_EQ(x.questions[0].answer.items, y.questions[0].answer.items) << task;
        EXPECT_NE(x.context, z.context) << task;  // another seed
        EXPECT_NE(x.context, w.context) << task;  // another example
    }
}

TEST(EvalTasks, NiahDepthsSpreadOverTheExamples) {
    const TaskGenerator gen(options(600));
    double last = -1;
    for (int64_t i = 0; i < 5; ++i) {
        const Example e = gen.make("niah", i, 5);
        const size_t at = e.context.find("One of the special magic numbers for");
        ASSERT_NE(at, std::string::npos);
        const double depth = (double)at / (double)e.context.size();
        EXPECT_GT(depth, last);
        if (i == 0) {
            EXPECT_LT(depth, 0.25);
        }
        if (i == 4) {
            EXPECT_GT(depth, 0.9);
        }
        last = depth;
    }
}

TEST(EvalTasks, MultiKeyAsksForOneOfFourDistinctKeys) {
    const Example e = TaskGenerator(options(800)).make("ruler-multikey", 0, 1);
    std::regex needle("special magic numbers for ([a-z-]+) is: ([0-9]+)");
    std::set<std::string> keys;
    for (auto it = std::sregex_iterator(e.context.begin(), e.context.end(), needle); it != std::sregex_iterator(); ++it)
        keys.insert((*it)[1]);
    EXPECT_EQ(keys.size(), 4u);
    EXPECT_EQ(e.questions[0].answer.items.size(), 1u);
}

TEST(EvalTasks, VariableTrackingChainIsInOrder) {
    const Example e = TaskGenerator(options(500)).make("ruler-vt", 0, 1);
    const auto& names = e.questions[0].answer.items;
    ASSERT_EQ(names.size(), 5u);
    size_t prev = e.context.find("VAR " + names[0] + " = ");
    ASSERT_NE(prev, std::string::npos);
    for (size_t i = 1; i < names.size(); ++i) {
        const size_t at = e.context.find("VAR " + names[i] + " = VAR " + names[i - 1] + ".");
        ASSERT_NE(at, std::string::npos) << names[i];
        EXPECT_GT(at, prev);
        prev = at;
    }
}

std::map<std::string, int> word_counts(const std::string& text, const std::regex& word) {
    std::map<std::string, int> counts;
    for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it)
        ++counts[(*it)[1]];
    return counts;
}

TEST(EvalTasks, CommonAndFrequentWordsAreTheMostFrequent) {
    const TaskGenerator gen(options(1200));
    {
        const Example e = gen.make("ruler-cwe", 0, 1);
        const auto counts = word_counts(e.context, std::regex("[0-9]+\\. ([a-z]+)"));
        int least_common = 1 << 30, most_other = 0;
        const auto& common = e.questions[0].answer.items;
        for (const auto& [w, c] : counts)
            if (std::find(common.begin(), common.end(), w) != common.end()) least_common = std::min(least_common, c);
            else most_other = std::max(most_other, c);
        EXPECT_GT(least_common, most_other);
    }
    {
        const Example e = gen.make("ruler-fwe", 0, 1);
        const std::string body = e.context.substr(e.context.find('\n') + 1);
        const auto counts = word_counts(body, std::regex("([a-z]+) "));
        std::vector<std::pair<int, std::string>> by_count;
        for (const auto& [w, c] : counts) by_count.emplace_back(c, w);
        std::sort(by_count.rbegin(), by_count.rend());
        ASSERT_GE(by_count.size(), 4u);
        EXPECT_EQ(e.questions[0].answer.items,
                  (std::vector<std::string>{by_count[0].second, by_count[1].second, by_count[2].second}));
        EXPECT_GT(by_count[2].first, by_count[3].first);
    }
}

TEST(EvalTasks, KVRetrievalValuesFollowTheirKeys) {
    const Example e = TaskGenerator(options(900)).make("kv-retrieval", 1, 2);
    ASSERT_EQ(e.questions.size(), 4u);
    std::set<std::string> asked;
    for (const Question& q : e.questions) {
        const std::string key = q.text.substr(q.text.find('"') + 1, 36);
        asked.insert(key);
        EXPECT_NE(e.context.find("\"" + key + "\": \"" + q.answer.items[0] + "\""), std::string::npos);
    }
    EXPECT_EQ(asked.size(), 4u);
}

TEST(EvalTasks, EssayHaystackIsUsedWhenPresent) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path() / "kvzip_test_essays";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "a.txt") << "Zebras are striped animals. They live in Africa!\nThey eat grass.";
    std::ofstream(dir / "b.txt") << "Quokkas smile a lot. Nobody knows why?";
    std::ofstream(dir / "ignored.md") << "Not an essay.";
    const TaskGenerator gen(options(300, 1, dir.string()));
    EXPECT_TRUE(gen.has_essays());
    const Example e = gen.make("niah", 0, 1);
    EXPECT_NE(e.context.find("Quokkas smile a lot."), std::string::npos);
    EXPECT_EQ(e.context.find("Not an essay"), std::string::npos);
    EXPECT_FALSE(TaskGenerator(options(300, 1, (dir / "missing").string())).has_essays());
    std::filesystem::remove_all(dir);
}

TEST(EvalTasks, SplitSentences) {
    EXPECT_EQ(split_sentences("One.  Two!\nThree? 3.5 is a number. End"),
              (std::vector<std::string>{"One.", "Two!", "Three?", "3.5 is a number.", "End"}));
}

TEST(EvalTasks, BadInput) {
    EXPECT_THROW(TaskGenerator(options(10)), Error);
    EXPECT_THROW(TaskGenerator(options(300)).make("nope", 0, 1), Error);
    TaskOptions o = options(300);
    o.count_tokens = nullptr;
    EXPECT_THROW(TaskGenerator{o}, Error);
}

std::string write_temp(const std::string& name, const std::string& text) {
    const std::filesystem::path p = std::filesystem::temp_directory_path() / name;
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
}

TEST(EvalJsonl, LoadsQuestionsAndAnswerAlternatives) {
    const std::string path = write_temp(
        "kvzip_test_ds.jsonl",
        "{\"context\": \"Paris is in France.\", \"questions\": [\"Where is Paris?\", \"Capital?\"], "
        "\"answers\": [\"France\", [\"Paris\", \"paris city\"]]}\n\n"
        "{\"context\": \"2+2\", \"question\": \"Sum?\", \"answer\": 4}\n");
    const std::vector<Example> ex = load_jsonl_examples(path, "jsonl:x");
    ASSERT_EQ(ex.size(), 2u);
    EXPECT_EQ(ex[0].task, "jsonl:x");
    EXPECT_EQ(ex[0].context, "Paris is in France.");
    ASSERT_EQ(ex[0].questions.size(), 2u);
    EXPECT_EQ(ex[0].questions[1].answer.items, (std::vector<std::string>{"Paris", "paris city"}));
    EXPECT_EQ(ex[0].questions[1].answer.kind, Answer::Kind::AnyOf);
    EXPECT_EQ(ex[1].index, 1);
    EXPECT_EQ(ex[1].questions[0].text, "Sum?");
    EXPECT_EQ(ex[1].questions[0].answer.items, (std::vector<std::string>{"4"}));
    std::filesystem::remove(path);
}

TEST(EvalJsonl, SavedTasksLoadBackTheSame) {
    // Every generated task, through --export-tasks' writer and the jsonl:FILE
    // reader: the same contexts, questions, answers (kind included), answer
    // prefixes, metric and answer length.
    TaskGenerator gen(options(300));
    std::vector<Example> saved;
    for (const std::string& t : TaskGenerator::task_names()) saved.push_back(gen.make(t, 1, 3));
    const std::string path = write_temp("kvzip_test_export.jsonl", "");
    save_jsonl_examples(saved, path);
    const std::vector<Example> loaded = load_jsonl_examples(path, "jsonl:exported");
    ASSERT_EQ(loaded.size(), saved.size());
    for (size_t i = 0; i < saved.size(); ++i) {
        const Example &a = saved[i], &b = loaded[i];
        EXPECT_EQ(b.context, a.context) << a.task;
        EXPECT_EQ(b.metric, a.metric) << a.task;
        EXPECT_EQ(b.max_new_tokens, a.max_new_tokens) << a.task;
        ASSERT_EQ(b.questions.size(), a.questions.size()) << a.task;
        for (size_t q = 0; q < a.questions.size(); ++q) {
            EXPECT_EQ(b.questions[q].text, a.questions[q].text) << a.task;
            EXPECT_EQ(b.questions[q].answer_prefix, a.questions[q].answer_prefix) << a.task;
            EXPECT_EQ(b.questions[q].answer.items, a.questions[q].answer.items) << a.task;
            EXPECT_EQ(b.questions[q].answer.kind, a.questions[q].answer.kind) << a.task;
        }
    }
    // Generated answers are all-of lists (a list reads back as alternatives
    // without its kind), and some questions have a prefix.
    bool prefix = false;
    for (const Example& e : saved)
        for (const Question& q : e.questions) {
            EXPECT_EQ(q.answer.kind, Answer::Kind::AllOf);
            prefix = prefix || !q.answer_prefix.empty();
        }
    EXPECT_TRUE(prefix);
    std::filesystem::remove(path);
}

TEST(EvalJsonl, ErrorsNameTheLine) {
    auto error_of = [](const std::string& text) {
        const std::string path = write_temp("kvzip_test_bad.jsonl", text);
        try {
            load_jsonl_examples(path, "t");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error_of("{\"context\": \"a\", \"questions\": [\"q\"], \"answers\": [\"a\"]}\n{oops\n").find(":2: not valid JSON"),
              std::string::npos);
    EXPECT_NE(error_of("{\"context\": \"a\", \"questions\": [\"q\"], \"answers\": []}\n").find(":1:"), std::string::npos);
    EXPECT_NE(error_of("{\"questions\": [\"q\"], \"answers\": [\"a\"]}\n").find("\"context\""), std::string::npos);
    EXPECT_NE(error_of("\n").find("no examples"), std::string::npos);
    const std::string one = "{\"context\": \"a\", \"questions\": [\"q\"], \"answers\": [\"a\"], ";
    EXPECT_NE(error_of(one + "\"answer_kinds\": [\"all\", \"all\"]}\n").find("as long as"), std::string::npos);
    EXPECT_NE(error_of(one + "\"answer_kinds\": [\"some\"]}\n").find("\"all\" or \"any\""), std::string::npos);
    EXPECT_NE(error_of(one + "\"answer_prefixes\": [3]}\n").find("strings"), std::string::npos);
    EXPECT_NE(error_of(one + "\"metric\": \"bleu\"}\n").find("metric"), std::string::npos);
    EXPECT_NE(error_of(one + "\"max_new_tokens\": 0}\n").find("max_new_tokens"), std::string::npos);
    EXPECT_THROW(load_jsonl_examples("/nonexistent/x.jsonl", "t"), Error);
}

}  // namespace
}  // namespace kvzip::eval

namespace kvzip::eval {
namespace {

TEST(EvalQuestions, SubsetIsSpreadAndKeepsIndices) {
    EXPECT_EQ(asked_questions(4, 0), (std::vector<int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(asked_questions(4, 4), (std::vector<int64_t>{0, 1, 2, 3}));
    EXPECT_EQ(asked_questions(3, 5), (std::vector<int64_t>{0, 1, 2}));
    EXPECT_EQ(asked_questions(4, 2), (std::vector<int64_t>{1, 3}));  // one from each half
    EXPECT_EQ(asked_questions(10, 3), (std::vector<int64_t>{1, 5, 8}));
    EXPECT_EQ(asked_questions(5, 1), (std::vector<int64_t>{2}));
    EXPECT_TRUE(asked_questions(0, 2).empty());
}

}  // namespace
}  // namespace kvzip::eval
