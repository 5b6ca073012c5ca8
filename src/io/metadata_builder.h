#pragma once
// Builds GGUF-style metadata in memory (for checkpoints in other formats that
// are presented through the GGUFFile view, see src/io/hf_checkpoint.h).
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "io/gguf.h"

namespace kvzip {

class MetadataBuilder {
public:
    void set_string(const std::string& key, std::string s) { add(key, GGUFValueType::STRING, std::move(s)); }
    void set_uint(const std::string& key, uint64_t u) { add(key, GGUFValueType::UINT32, u); }
    void set_int(const std::string& key, int64_t i) { add(key, GGUFValueType::INT32, i); }
    void set_float(const std::string& key, double d) { add(key, GGUFValueType::FLOAT32, d); }
    void set_bool(const std::string& key, bool b) { add(key, GGUFValueType::BOOL, b); }
    void set_strings(const std::string& key, const std::vector<std::string>& items) {
        auto a = std::make_shared<GGUFArray>();
        for (const std::string& s : items) a->push_back(value(GGUFValueType::STRING, s));
        add_array(key, GGUFValueType::STRING, std::move(a));
    }
    void set_ints(const std::string& key, const std::vector<int32_t>& items) {
        auto a = std::make_shared<GGUFArray>();
        for (int32_t i : items) a->push_back(value(GGUFValueType::INT32, (int64_t)i));
        add_array(key, GGUFValueType::INT32, std::move(a));
    }
    std::vector<std::pair<std::string, GGUFValue>> take() { return std::move(kv_); }

private:
    template <class T>
    static GGUFValue value(GGUFValueType type, T x) {
        GGUFValue v;
        v.type = type;
        v.v = std::move(x);
        return v;
    }
    template <class T>
    void add(const std::string& key, GGUFValueType type, T x) { kv_.emplace_back(key, value(type, std::move(x))); }
    void add_array(const std::string& key, GGUFValueType elem, std::shared_ptr<GGUFArray> a) {
        GGUFValue v = value(GGUFValueType::ARRAY, std::move(a));
        v.elem_type = elem;
        kv_.emplace_back(key, std::move(v));
    }
    std::vector<std::pair<std::string, GGUFValue>> kv_;
};

}  // namespace kvzip
