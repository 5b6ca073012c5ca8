#pragma once
// GGUF reader: the file is memory-mapped once; metadata is parsed into values,
// tensor data is referenced in place (never copied). Every offset and length is
// checked against the file size, so a corrupt or truncated file throws
// kvzip::Error naming the file and the problem instead of reading out of bounds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ops/ggml_type.h"

namespace kvzip {

// The GGUF metadata value types, numbered as in the spec.
enum class GGUFValueType : uint32_t {
    UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5,
    FLOAT32 = 6, BOOL = 7, STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
};

// "uint8", "float32", "string", "array", ... or "type#N" for an unknown number.
std::string gguf_type_name(GGUFValueType t);

struct GGUFValue;
using GGUFArray = std::vector<GGUFValue>;

// One metadata value. Scalars of every integer width are kept as int64/uint64,
// floats as double; `type` remembers the type written in the file.
struct GGUFValue {
    GGUFValueType type = GGUFValueType::UINT8;
    GGUFValueType elem_type = GGUFValueType::UINT8;  // for arrays
    std::variant<uint64_t, int64_t, double, bool, std::string, std::shared_ptr<GGUFArray>> v;

    bool is_array() const { return type == GGUFValueType::ARRAY; }
    // Converting accessors; throw kvzip::Error on a type that does not convert.
    int64_t as_int() const;
    double as_float() const;
    bool as_bool() const;
    const std::string& as_string() const;
    const GGUFArray& as_array() const;
    std::string to_string(size_t max_items = 8) const;  // for `kvzip inspect`
    // The type as written in the file, e.g. "uint32" or "array of string".
    std::string type_description() const;
    bool is_integer() const;  // any of the eight integer types (not bool)
    bool is_number() const;   // an integer or a float
};

struct GGUFTensor {
    std::string name;
    GGMLType type = GGMLType::F32;
    std::vector<int64_t> ne;      // dims, ne[0] is the contiguous (row) dimension
    uint64_t offset = 0;          // relative to the data section
    const uint8_t* data = nullptr;  // points into the mapping
    size_t nbytes = 0;
    int64_t n_elements() const;
    int64_t rows() const { return ne.empty() ? 0 : n_elements() / ne[0]; }
};

class GGUFFile {
public:
    // Opens and validates `path`; throws kvzip::Error on any problem.
    static std::unique_ptr<GGUFFile> open(const std::string& path);
    // Parses an in-memory buffer (used by the fuzzer and tests); the buffer
    // must outlive the object. `name` is used in error messages.
    static std::unique_ptr<GGUFFile> from_memory(const uint8_t* data, size_t size, const std::string& name);
    // The same view built from metadata and tensors prepared elsewhere (a Hugging
    // Face checkpoint, src/io/hf_checkpoint.h): the tensors' data must stay valid
    // as long as `storage` lives, which the object keeps. version() is 0.
    static std::unique_ptr<GGUFFile> from_parts(const std::string& name,
                                                std::vector<std::pair<std::string, GGUFValue>> metadata,
                                                std::vector<GGUFTensor> tensors, std::shared_ptr<const void> storage);
    ~GGUFFile();
    GGUFFile(const GGUFFile&) = delete;
    GGUFFile& operator=(const GGUFFile&) = delete;

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    size_t alignment() const { return alignment_; }
    size_t data_offset() const { return data_offset_; }  // file offset of the tensor data section
    size_t file_size() const { return file_size_; }
    const std::vector<std::pair<std::string, GGUFValue>>& metadata() const { return kv_; }
    const std::vector<GGUFTensor>& tensors() const { return tensors_; }

    const GGUFValue* find(const std::string& key) const;        // nullptr if absent
    const GGUFTensor* find_tensor(const std::string& name) const;  // nullptr if absent
    // Typed getters; the one without a default throws kvzip::Error naming file and key.
    int64_t get_int(const std::string& key) const;
    int64_t get_int(const std::string& key, int64_t def) const;
    double get_float(const std::string& key) const;
    double get_float(const std::string& key, double def) const;
    bool get_bool(const std::string& key, bool def) const;
    std::string get_string(const std::string& key) const;
    std::string get_string(const std::string& key, const std::string& def) const;
    std::vector<std::string> get_string_array(const std::string& key) const;  // throws if absent
    std::vector<double> get_float_array(const std::string& key) const;       // throws if absent
    std::vector<int64_t> get_int_array(const std::string& key) const;        // throws if absent
    // Tensor that must exist, optionally with an expected shape; throws otherwise.
    const GGUFTensor& tensor(const std::string& name) const;
    const GGUFTensor& tensor(const std::string& name, const std::vector<int64_t>& expected_ne) const;

private:
    GGUFFile() = default;
    void parse(const uint8_t* data, size_t size);
    const GGUFValue& require(const std::string& key) const;  // throws "missing metadata key"
    [[noreturn]] void fail_key(const std::string& key, const std::string& what) const;

    std::string path_;
    uint32_t version_ = 0;
    size_t alignment_ = 32;
    size_t data_offset_ = 0;
    size_t file_size_ = 0;
    std::vector<std::pair<std::string, GGUFValue>> kv_;
    std::map<std::string, size_t> kv_index_;
    std::vector<GGUFTensor> tensors_;
    std::map<std::string, size_t> tensor_index_;
    void* map_ = nullptr;
    size_t map_size_ = 0;
    std::shared_ptr<const void> storage_;  // from_parts: owner of the tensor data
};

}  // namespace kvzip
