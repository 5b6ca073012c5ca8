#pragma once
// The public API: load a GGUF model, turn text into a prompt, run it over a
// KV cache, generate.
//
//   kvzip::Model model("SmolLM2-135M-Instruct.Q4_1.gguf");
//   kvzip::KVCache cache = model.new_cache();
//   auto ids = model.encode(model.chat_prompt("What is the capital of France?"));
//   auto result = model.generate(ids, cache, {}, [](const std::string& piece) { std::cout << piece; });
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/cache.h"
#include "engine/sampler.h"
#include "kv/head_scores.h"
#include "kv/kv_cache.h"
#include "model/config.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace kvzip {

class GGUFFile;
class ThreadPool;
class Transformer;
class AttentionObserver;

struct ModelOptions {
    int threads = 0;              // 0: all cores
    KVType kv_type = KVType::F16;
    int64_t batch = 256;          // tokens per forward pass during prefill
};

struct GenerateOptions {
    SamplingParams sampling;
    int max_tokens = 256;
    bool stop_at_eos = true;
    // false: the prompt and the answer are removed from the cache afterwards,
    // which is then exactly as before (the compressed context serves the next,
    // unrelated query); true: they stay (multi-turn chat).
    bool update_cache = false;
};

struct PrefillOptions {
    bool score = true;              // run the KVzip scoring pass (DESIGN.md 1.2)
    int64_t score_chunk = 2000;     // C: context tokens per reconstruction chunk
    bool kvzip_plus = false;        // KVzip+ normalization of the scores (kv/kvzip_scorer.h)
    // When set, the same scoring pass also fills these with the KVzip+ scores
    // (the plain ones still go to the cache): both for the price of one pass.
    ImportanceScores* kvzip_plus_also = nullptr;
    std::vector<float> head_scores; // load_score: head scores from a file, no scoring pass
    AttentionObserver* observer = nullptr;  // also sees the scoring passes (tests, analysis)
    // Sees the context's own prefill passes (attention-based baselines: H2O, SnapKV).
    AttentionObserver* prefill_observer = nullptr;
    // Progress of long phases: phase is "prefill" or "scoring".
    std::function<void(const std::string& phase, int64_t done, int64_t total)> progress;
};

struct GenerationResult {
    std::vector<TokenId> tokens;  // generated ids (without the prompt), stop token excluded
    std::string text;
    int64_t prompt_tokens = 0;
    double prefill_seconds = 0, decode_seconds = 0;
    bool stopped_at_eos = false;
    TokenId stop_token = -1;      // the end-of-generation token when stopped_at_eos
    double prefill_tok_per_s() const { return prefill_seconds > 0 ? prompt_tokens / prefill_seconds : 0; }
    double decode_tok_per_s() const {
        return decode_seconds > 0 && tokens.size() > 1 ? (tokens.size() - 1) / decode_seconds : 0;
    }
};

class Model {
public:
    // `gguf_path`: a GGUF file, or a Hugging Face checkpoint directory (or a
    // .safetensors file in one), see io/hf_checkpoint.h.
    explicit Model(const std::string& gguf_path, const ModelOptions& options = {});
    ~Model();
    Model(const Model&) = delete;
    Model& operator=(const Model&) = delete;

    const ModelConfig& config() const;
    const Tokenizer& tokenizer() const { return *tokenizer_; }
    const ChatTemplate& chat_template() const { return *template_; }
    const GGUFFile& file() const { return *file_; }
    int threads() const;
    ThreadPool& thread_pool() { return *pool_; }  // for observers that parallelize like the scorer
    // Identifies the model for head-score files.
    ModelIdentity identity() const;

    // Text to ids (special tokens in the text are parsed), BOS added when the
    // model asks for it.
    std::vector<TokenId> encode(const std::string& text, bool add_bos = true) const;
    // A one-turn chat prompt for `user_text` in the model's template.
    std::string chat_prompt(const std::string& user_text) const;

    KVCache new_cache() const;

    // Prefills the QA template prefix and `context` (DESIGN.md 1.1) and, unless
    // options say otherwise, scores every context KV pair by context
    // reconstruction. The result is pruned with Cache::prune.
    Cache prefill(const std::string& context, const PrefillOptions& options = {});
    // A question in the QA template, as ids to pass to generate() after prefill().
    std::vector<TokenId> apply_template(const std::string& question) const;
    // Answers with a prefilled (possibly pruned) context.
    GenerationResult generate(const std::vector<TokenId>& prompt, Cache& cache, const GenerateOptions& options = {},
                              const std::function<void(const std::string&)>& on_piece = {});
    // The KVzip scoring pass over an already prefilled cache (exposed for tests and calibration).
    void score(Cache& cache, const PrefillOptions& options = {});

    // Runs `ids` over the cache in batches of options.batch tokens (bounded
    // memory) and returns the last token's logits.
    std::vector<float> eval(const std::vector<TokenId>& ids, KVCache& cache,
                            const std::function<void(int64_t done, int64_t total)>& progress = {});
    // Every position's logits (T * n_vocab), for tests and scoring.
    std::vector<float> eval_all_logits(const std::vector<TokenId>& ids, KVCache& cache);

    // Prefills `prompt` then generates (without update_cache the cache is
    // returned to its state before the call). `on_piece` receives the text of each
    // new token as soon as it is known (streaming).
    GenerationResult generate(const std::vector<TokenId>& prompt, KVCache& cache, const GenerateOptions& options = {},
                              const std::function<void(const std::string&)>& on_piece = {});

private:
    // Batched forward passes over ids (bounded memory), refusing to run past the context.
    // With sliding_keep_below >= 0, sliding-window layers forget after each
    // batch the positions from sliding_keep_below up to the window, which no
    // later token can see (bounded memory for long contexts).
    std::vector<float> run(const std::vector<TokenId>& ids, KVCache& cache, bool all_logits,
                           const std::function<void(int64_t, int64_t)>& progress,
                           AttentionObserver* observer = nullptr, int64_t sliding_keep_below = -1);

    ModelOptions options_;
    std::unique_ptr<GGUFFile> file_;
    std::unique_ptr<ThreadPool> pool_;
    std::unique_ptr<Transformer> transformer_;
    std::unique_ptr<Tokenizer> tokenizer_;
    std::unique_ptr<ChatTemplate> template_;
};

}  // namespace kvzip
