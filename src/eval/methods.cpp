#include "eval/methods.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "kv/attention_baselines.h"
#include "kv/baselines.h"
#include "model/transformer.h"
#include "util/error.h"

namespace kvzip::eval {

namespace {
const std::vector<std::pair<Method, std::string>>& table() {
    static const std::vector<std::pair<Method, std::string>> t = {
        {Method::KVzip, "kvzip"},         {Method::KVzipUniform, "kvzip-uniform"},
        {Method::KVzipHead, "kvzip-head"}, {Method::KVzipPlus, "kvzip-plus"},
        {Method::SnapKV, "snapkv"},       {Method::H2O, "h2o"},
        {Method::StreamingLLM, "streamingllm"}, {Method::KNorm, "knorm"},
        {Method::Random, "random"}};
    return t;
}

// Forwards every observation to each of several observers.
class Observers : public AttentionObserver {
public:
    void add(AttentionObserver* o) { list_.push_back(o); }
    bool empty() const { return list_.empty(); }
    void observe(int layer, const float* q, int64_t T, int64_t pos0, const KVCache& cache) override {
        for (AttentionObserver* o : list_) o->observe(layer, q, T, pos0, cache);
    }

private:
    std::vector<AttentionObserver*> list_;
};
}  // namespace

const std::vector<std::string>& method_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> n;
        for (const auto& [m, s] : table()) n.push_back(s);
        return n;
    }();
    return names;
}

Method parse_method(const std::string& name) {
    for (const auto& [m, s] : table())
        if (s == name) return m;
    std::string all;
    for (const std::string& s : method_names()) all += (all.empty() ? "" : ", ") + s;
    throw Error("unknown method '" + name + "' (expected one of " + all + ")");
}

std::string to_string(Method m) {
    for (const auto& [mm, s] : table())
        if (mm == m) return s;
    return "?";
}

PruneLevel prune_level(Method m) {
    switch (m) {
        case Method::KVzip:
        case Method::KVzipPlus: return PruneLevel::Pair;
        case Method::KVzipHead: return PruneLevel::Head;
        default: return PruneLevel::PairUniform;  // the baselines: per-head budgets, as in their papers
    }
}

bool uses_kvzip_scores(Method m) {
    return m == Method::KVzip || m == Method::KVzipUniform || m == Method::KVzipHead;
}

ScoredContext prefill_and_score(Model& model, const std::string& context, const std::vector<Method>& methods,
                                const MethodOptions& options,
                                const std::function<void(const std::string&, int64_t, int64_t)>& progress) {
    auto wants = [&](Method m) { return std::find(methods.begin(), methods.end(), m) != methods.end(); };
    const ModelConfig& cfg = model.config();
    // The context's length is only known after tokenization, which prefill
    // does: tokenize once here to size the attention baselines' scores.
    const QATemplate qa = model.chat_template().qa_template();
    const int64_t prefix_len = (int64_t)model.tokenizer().encode(qa.prefix, false, true).size();
    const int64_t ctx_len = (int64_t)model.tokenizer().encode(context, false, false).size();

    ImportanceScores h2o(cfg.n_layer, cfg.n_head_kv, prefix_len, ctx_len);
    ImportanceScores snap(cfg.n_layer, cfg.n_head_kv, prefix_len, ctx_len);
    std::unique_ptr<H2OScorer> h2o_scorer;
    std::unique_ptr<SnapKVScorer> snap_scorer;
    Observers observers;
    if (wants(Method::H2O)) {
        h2o_scorer = std::make_unique<H2OScorer>(h2o, cfg, model.thread_pool());
        observers.add(h2o_scorer.get());
    }
    if (wants(Method::SnapKV)) {
        snap_scorer = std::make_unique<SnapKVScorer>(snap, cfg, model.thread_pool(), options.snapkv_window,
                                                     options.snapkv_kernel);
        observers.add(snap_scorer.get());
    }

    PrefillOptions po;
    po.score = false;
    po.progress = progress;
    po.prefill_observer = observers.empty() ? nullptr : &observers;
    ScoredContext sc{model.prefill(context, po), {}};
    if (sc.cache.prefix_len != prefix_len || sc.cache.context_len != ctx_len)
        throw Error("internal: the prefill's token counts differ from the tokenizer's");

    // One scoring pass: the plain KVzip scores go to the cache, KVzip+ ones
    // (when asked for) to `plus`.
    ImportanceScores plus;
    const bool want_plus = wants(Method::KVzipPlus);
    if (want_plus || std::any_of(methods.begin(), methods.end(), uses_kvzip_scores)) {
        PrefillOptions so;
        so.progress = progress;
        so.kvzip_plus_also = want_plus ? &plus : nullptr;
        model.score(sc.cache, so);
    }
    for (Method m : methods) {
        ImportanceScores s(cfg.n_layer, cfg.n_head_kv, prefix_len, ctx_len);
        s.fixed_layers = sc.cache.sliding_layers;  // pruning leaves them to their window
        switch (m) {
            case Method::KVzip:
            case Method::KVzipUniform:
            case Method::KVzipHead: s = sc.cache.scores; break;
            case Method::KVzipPlus: s = plus; break;
            case Method::H2O: s = h2o; break;
            case Method::SnapKV:
                snap_scorer->finish();
                s = snap;
                break;
            case Method::StreamingLLM: streaming_llm_scores(s, options.sink_tokens); break;
            case Method::KNorm: key_norm_scores(s, sc.cache.kv); break;
            case Method::Random: random_scores(s, options.seed); break;
        }
        sc.scores[m] = std::move(s);
    }
    return sc;
}

std::string method_label(Method m, const MethodOptions& options) {
    const MethodOptions defaults;
    char b[64];
    if (m == Method::H2O && options.h2o_recent != defaults.h2o_recent)
        std::snprintf(b, sizeof b, "h2o-recent%g", options.h2o_recent);
    else if (m == Method::SnapKV && options.snapkv_window != defaults.snapkv_window)
        std::snprintf(b, sizeof b, "snapkv-window%lld", (long long)options.snapkv_window);
    else if (m == Method::StreamingLLM && options.sink_tokens != defaults.sink_tokens)
        std::snprintf(b, sizeof b, "streamingllm-sinks%lld", (long long)options.sink_tokens);
    else
        return to_string(m);
    return b;
}

PruneStats apply_method(ScoredContext& sc, Method method, double ratio, const MethodOptions& options) {
    auto it = sc.scores.find(method);
    if (it == sc.scores.end()) throw Error("internal: no scores for method " + to_string(method));
    sc.cache.scores = it->second;
    if (method == Method::H2O && options.h2o_recent > 0)
        sc.cache.scores.keep_recent((int64_t)std::llround(options.h2o_recent * ratio * (double)sc.cache.context_len));
    sc.cache.head_scores = method == Method::KVzipHead ? options.head_scores : std::vector<float>{};
    return sc.cache.prune(ratio, prune_level(method), CacheMode::Retain);
}

}  // namespace kvzip::eval
