#include "engine/model.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>

#include "io/gguf.h"
#include "io/hf_checkpoint.h"
#include "kv/kvzip_scorer.h"
#include "model/transformer.h"
#include "ops/threadpool.h"
#include "util/error.h"

namespace kvzip {

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

Model::Model(const std::string& gguf_path, const ModelOptions& options) : options_(options) {
    if (options_.batch <= 0) throw Error("batch size must be positive");
    file_ = open_model_file(gguf_path);  // a GGUF file or a Hugging Face checkpoint
    pool_ = std::make_unique<ThreadPool>(options_.threads);
    transformer_ = std::make_unique<Transformer>(*file_, *pool_);
    tokenizer_ = Tokenizer::create(Vocab::from_gguf(*file_));
    template_ = std::make_unique<ChatTemplate>(ChatTemplate::from_vocab(tokenizer_->vocab(), config().arch));
}

Model::~Model() = default;

const ModelConfig& Model::config() const { return transformer_->config(); }
int Model::threads() const { return pool_->size(); }

ModelIdentity Model::identity() const {
    // FNV-1a over the architecture and the tensor table (names, types, shapes).
    uint64_t h = 1469598103934665603ull;
    auto mix = [&h](const void* p, size_t n) {
        for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const uint8_t*>(p)[i]) * 1099511628211ull;
    };
    mix(config().arch.data(), config().arch.size());
    for (const GGUFTensor& t : file_->tensors()) {
        mix(t.name.data(), t.name.size() + 1);
        mix(&t.type, sizeof t.type);
        for (int64_t d : t.ne) mix(&d, sizeof d);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)h);
    return ModelIdentity{config().name, config().arch, config().n_layer, config().n_head_kv, hex};
}

std::vector<TokenId> Model::encode(const std::string& text, bool add_bos) const {
    return tokenizer_->encode(text, add_bos, /*parse_special=*/true);
}

std::string Model::chat_prompt(const std::string& user_text) const {
    return template_->render({{"user", user_text}}, /*add_generation_prompt=*/true);
}

KVCache Model::new_cache() const { return transformer_->new_cache(options_.kv_type); }

std::vector<float> Model::run(const std::vector<TokenId>& ids, KVCache& cache, bool all_logits,
                              const std::function<void(int64_t, int64_t)>& progress,
                              AttentionObserver* observer, int64_t sliding_keep_below) {
    const int64_t n = (int64_t)ids.size();
    if (cache.next_position() + n > config().n_ctx_train)
        throw Error("the prompt needs " + std::to_string(cache.next_position() + n) +
                    " positions but the model's context is " + std::to_string(config().n_ctx_train) + " tokens");
    std::vector<float> logits, part;
    for (int64_t i = 0; i < n; i += options_.batch) {
        const int64_t T = std::min(options_.batch, n - i);
        if (all_logits) {
            transformer_->forward(ids.data() + i, T, cache, &part, /*all_logits=*/true, observer);
            logits.insert(logits.end(), part.begin(), part.end());
        } else {
            transformer_->forward(ids.data() + i, T, cache, i + T == n ? &logits : nullptr, false, observer);
        }
        if (sliding_keep_below >= 0 && config().has_sliding_layers()) {
            // The next query is at next_position(): it sees keys after next - window.
            const int64_t first_visible = cache.next_position() - config().sliding_window + 1;
            for (int l = 0; l < config().n_layer; ++l)
                if (config().is_sliding(l)) cache.erase_positions(l, sliding_keep_below, first_visible);
        }
        if (progress) progress(i + T, n);
    }
    return logits;
}

std::vector<float> Model::eval(const std::vector<TokenId>& ids, KVCache& cache,
                               const std::function<void(int64_t, int64_t)>& progress) {
    return run(ids, cache, /*all_logits=*/false, progress);
}

std::vector<float> Model::eval_all_logits(const std::vector<TokenId>& ids, KVCache& cache) {
    return run(ids, cache, /*all_logits=*/true, {});
}

Cache Model::prefill(const std::string& context, const PrefillOptions& options) {
    const QATemplate qa = template_->qa_template();
    const std::vector<TokenId> prefix = tokenizer_->encode(qa.prefix, /*add_bos=*/false, /*parse_special=*/true);
    // The context is user data: special-token text in it stays plain text.
    const std::vector<TokenId> ctx = tokenizer_->encode(context, /*add_bos=*/false, /*parse_special=*/false);
    if (ctx.empty()) throw Error("the context is empty");
    Cache c;
    c.kv = new_cache();
    c.prefix_len = (int64_t)prefix.size();
    c.context_len = (int64_t)ctx.size();
    c.context_ids = ctx;
    for (bool sliding : config().layer_sliding) c.sliding_layers.push_back(sliding);
    c.sliding_window = config().sliding_window;
    std::vector<TokenId> ids = prefix;
    ids.insert(ids.end(), ctx.begin(), ctx.end());
    const auto t0 = std::chrono::steady_clock::now();
    // The prefix stays in every layer (DESIGN.md 1.3); sliding-window layers
    // keep only the context positions a later token can still see.
    run(ids, c.kv, /*all_logits=*/false, [&](int64_t done, int64_t total) {
        if (options.progress) options.progress("prefill", done, total);
    }, options.prefill_observer, /*sliding_keep_below=*/c.prefix_len);
    c.prefill_seconds = seconds_since(t0);
    c.head_scores = options.head_scores;
    if (options.score && options.head_scores.empty()) score(c, options);
    return c;
}

void Model::score(Cache& c, const PrefillOptions& options) {
    if (options.score_chunk <= 0) throw Error("the scoring chunk size must be positive");
    const auto t0 = std::chrono::steady_clock::now();
    const int64_t ctx_begin = c.prefix_len, ctx_end = c.prefix_len + c.context_len;
    if (c.kv.next_position() != ctx_end || c.kv.masked())
        throw Error("scoring needs a freshly prefilled, unpruned cache");
    c.scores = ImportanceScores(config().n_layer, config().n_head_kv, ctx_begin, c.context_len);
    c.scores.fixed_layers = c.sliding_layers;  // sliding-window layers keep their window, unscored
    KVzipPlusWeights plus;
    if (options.kvzip_plus || options.kvzip_plus_also)
        plus = KVzipPlusWeights::compute(transformer_->weights(), config(), c.sliding_layers, *pool_);
    KVzipScorer scorer(c.scores, config(), c.prefix_len, *pool_, options.kvzip_plus ? &plus : nullptr);
    std::unique_ptr<KVzipScorer> plus_scorer;
    if (options.kvzip_plus_also) {
        *options.kvzip_plus_also = c.scores;  // same shape and fixed layers, all zero
        plus_scorer = std::make_unique<KVzipScorer>(*options.kvzip_plus_also, config(), c.prefix_len, *pool_, &plus);
    }
    // The scorers, plus the caller's observer when there is one.
    struct All : AttentionObserver {
        std::vector<AttentionObserver*> list;
        void observe(int l, const float* q, int64_t T, int64_t p0, const KVCache& kv) override {
            for (AttentionObserver* o : list) o->observe(l, q, T, p0, kv);
        }
        void observe_input(int l, const float* x, int64_t T) override {
            for (AttentionObserver* o : list) o->observe_input(l, x, T);
        }
    } observers;
    for (AttentionObserver* o : {(AttentionObserver*)&scorer, (AttentionObserver*)plus_scorer.get(), options.observer})
        if (o) observers.list.push_back(o);

    const std::vector<int32_t>& ctx = c.context_ids;
    if ((int64_t)ctx.size() != c.context_len) throw Error("scoring needs the context's token ids");
    const std::string postfix = template_->assistant_opener();
    const std::vector<TokenId> postfix_ids = tokenizer_->encode(postfix, false, true);
    const std::vector<TokenId> first_q = tokenizer_->encode("\n\nRepeat the previous context exactly.", false, false);
    const std::vector<TokenId> later_q =
        tokenizer_->encode("\n\nRepeat the part of the previous context exactly, starting with ", false, false);
    const int64_t n_chunks = (c.context_len + options.score_chunk - 1) / options.score_chunk;
    for (int64_t i = 0; i < n_chunks; ++i) {
        const int64_t b = i * options.score_chunk, e = std::min(c.context_len, b + options.score_chunk);
        // repeat_i = q_i + postfix + chunk_i (q_i carries the previous chunk's last 8 tokens).
        std::vector<TokenId> rep = i == 0 ? first_q : later_q;
        if (i > 0) rep.insert(rep.end(), ctx.begin() + std::max<int64_t>(0, b - 8), ctx.begin() + b);
        rep.insert(rep.end(), postfix_ids.begin(), postfix_ids.end());
        rep.insert(rep.end(), ctx.begin() + b, ctx.begin() + e);
        if (ctx_end + (int64_t)rep.size() > config().n_ctx_train)
            throw Error("scoring needs positions up to " + std::to_string(ctx_end + (int64_t)rep.size()) +
                        " but the model's context is " + std::to_string(config().n_ctx_train) +
                        " tokens: use a shorter context or a smaller scoring chunk");
        scorer.set_chunk(ctx_begin + b, ctx_begin + e, ctx_end);
        if (plus_scorer) plus_scorer->set_chunk(ctx_begin + b, ctx_begin + e, ctx_end);
        for (int64_t j = 0; j < (int64_t)rep.size(); j += options_.batch) {
            const int64_t T = std::min<int64_t>(options_.batch, (int64_t)rep.size() - j);
            transformer_->forward(rep.data() + j, T, c.kv, nullptr, false, &observers);
        }
        c.kv.truncate(ctx_end);  // the repeat tokens' KV is discarded
        if (options.progress) options.progress("scoring", e, c.context_len);
    }
    c.scoring_seconds = seconds_since(t0);
}

std::vector<TokenId> Model::apply_template(const std::string& question) const {
    return tokenizer_->encode(template_->qa_template().wrap_question(question), false, true);
}

GenerationResult Model::generate(const std::vector<TokenId>& prompt, Cache& cache, const GenerateOptions& options,
                                 const std::function<void(const std::string&)>& on_piece) {
    return generate(prompt, cache.kv, options, on_piece);
}

GenerationResult Model::generate(const std::vector<TokenId>& prompt, KVCache& cache, const GenerateOptions& options,
                                 const std::function<void(const std::string&)>& on_piece) {
    if (prompt.empty()) throw Error("the prompt is empty");
    // Without update_cache the query and answer leave the cache again, also
    // when generation stops with an error.
    struct Restore {
        KVCache& cache;
        int64_t start;
        bool active;
        ~Restore() {
            if (active) cache.truncate(start);
        }
    } restore{cache, cache.next_position(), !options.update_cache};
    GenerationResult r;
    r.prompt_tokens = (int64_t)prompt.size();
    const auto t0 = std::chrono::steady_clock::now();
    std::vector<float> logits = eval(prompt, cache);
    r.prefill_seconds = seconds_since(t0);

    Sampler sampler(options.sampling);
    const auto t1 = std::chrono::steady_clock::now();
    // Pieces may split a UTF-8 character; stream only whole characters.
    std::string pending;
    for (int i = 0; i < options.max_tokens; ++i) {
        const TokenId next = sampler.sample(logits.data(), config().n_vocab);
        if (options.stop_at_eos && tokenizer_->is_end_of_generation(next)) {
            r.stopped_at_eos = true;
            r.stop_token = next;
            break;
        }
        r.tokens.push_back(next);
        if (on_piece) {
            pending += tokenizer_->token_to_piece(next);
            size_t complete = pending.size();
            // Hold back a trailing incomplete UTF-8 sequence.
            for (size_t back = 1; back <= std::min<size_t>(3, pending.size()); ++back) {
                const unsigned char ch = (unsigned char)pending[pending.size() - back];
                if ((ch & 0xC0) == 0x80) continue;  // continuation byte
                const size_t need = ch >= 0xF0 ? 4 : ch >= 0xE0 ? 3 : ch >= 0xC0 ? 2 : 1;
                if (need > back) complete = pending.size() - back;
                break;
            }
            if (complete > 0) {
                on_piece(pending.substr(0, complete));
                pending.erase(0, complete);
            }
        }
        if (i + 1 == options.max_tokens) break;
        if (cache.next_position() + 1 > config().n_ctx_train) break;
        const TokenId one[1] = {next};
        logits.clear();
        transformer_->forward(one, 1, cache, &logits);
    }
    if (on_piece && !pending.empty()) on_piece(pending);
    r.decode_seconds = seconds_since(t1);
    r.text = tokenizer_->decode(r.tokens);
    return r;
}

}  // namespace kvzip
