#pragma once
// Teacher forcing: how likely a cache makes a given answer (the full cache's),
// token by token. Shared by `kvzip test` and `kvzip eval`.
#include <vector>

#include "engine/model.h"
#include "eval/metrics.h"

namespace kvzip::eval {

// Runs prompt + answer over `kv` in one pass and returns, for every answer
// token, its softmax probability and the argmax at its position. Leaves the
// cache as it was. An empty answer gives an empty result.
ForcedAnswer teacher_force(Model& model, KVCache& kv, const std::vector<TokenId>& prompt,
                           const std::vector<TokenId>& answer);

}  // namespace kvzip::eval
