#pragma once
// safetensors reader (the Hugging Face weight format): an 8-byte little-endian
// header length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__},
// then the raw tensor bytes. The file is memory-mapped once and tensors are
// referenced in place. Every length, offset, dtype and shape is checked against
// the file, so a corrupt or truncated file throws kvzip::Error naming the file
// and the tensor instead of reading out of bounds.
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kvzip {

struct SafetensorsTensor {
    std::string name;
    std::string dtype;            // as written: "BF16", "F16", "F32", "I64", ...
    std::vector<int64_t> shape;   // outermost dimension first (row-major)
    const uint8_t* data = nullptr;
    size_t nbytes = 0;
    size_t offset = 0;            // within the data section
};

// Bytes per element of a safetensors dtype; 0 for an unknown one.
size_t safetensors_dtype_size(const std::string& dtype);

class SafetensorsFile {
public:
    static std::unique_ptr<SafetensorsFile> open(const std::string& path);
    // Parses a buffer that must outlive the object (tests); `name` is used in errors.
    static std::unique_ptr<SafetensorsFile> from_memory(const uint8_t* data, size_t size, const std::string& name);
    ~SafetensorsFile();
    SafetensorsFile(const SafetensorsFile&) = delete;
    SafetensorsFile& operator=(const SafetensorsFile&) = delete;

    const std::string& path() const { return path_; }
    const std::vector<SafetensorsTensor>& tensors() const { return tensors_; }  // in data order
    const SafetensorsTensor* find(const std::string& name) const;              // nullptr if absent
    const std::map<std::string, std::string>& metadata() const { return metadata_; }  // "__metadata__"

private:
    SafetensorsFile() = default;
    void parse(const uint8_t* data, size_t size);

    std::string path_;
    std::vector<SafetensorsTensor> tensors_;
    std::map<std::string, size_t> index_;
    std::map<std::string, std::string> metadata_;
    void* map_ = nullptr;
    size_t map_size_ = 0;
};

// The weights of a checkpoint directory: model.safetensors, or the shards that
// model.safetensors.index.json lists (every tensor must be in the shard the
// index names).
class SafetensorsWeights {
public:
    static std::unique_ptr<SafetensorsWeights> open_dir(const std::string& dir);
    const std::vector<const SafetensorsTensor*>& tensors() const { return tensors_; }
    const SafetensorsTensor* find(const std::string& name) const;
    // The file that holds `t` (for error messages).
    const std::string& file_of(const SafetensorsTensor& t) const;
    size_t file_count() const { return files_.size(); }

private:
    std::vector<std::unique_ptr<SafetensorsFile>> files_;
    std::vector<const SafetensorsTensor*> tensors_;
    std::map<std::string, std::pair<const SafetensorsTensor*, size_t>> index_;  // name -> tensor, file
};

}  // namespace kvzip
