#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <nlohmann/json.hpp>

#include "util/error.h"

namespace kvzip {

static_assert(std::endian::native == std::endian::little, "the safetensors reader assumes a little-endian host");

namespace {

// The reference implementation refuses larger headers too; it also keeps a
// corrupt length from turning into a huge allocation.
constexpr uint64_t kMaxHeaderBytes = 100ull << 20;
constexpr size_t kMaxDims = 8;

std::string quote(const std::string& s) { return "'" + s + "'"; }

// One tensor entry of the header, checked against the data section.
SafetensorsTensor parse_entry(const std::string& file, const std::string& name, const nlohmann::json& e,
                              const uint8_t* data, uint64_t data_size) {
    const std::string where = file + ": tensor " + quote(name);
    if (!e.is_object()) throw Error(where + ": header entry is not an object");
    SafetensorsTensor t;
    t.name = name;
    const auto dtype = e.find("dtype");
    if (dtype == e.end() || !dtype->is_string()) throw Error(where + ": missing or non-string 'dtype'");
    t.dtype = dtype->get<std::string>();
    const size_t elem = safetensors_dtype_size(t.dtype);
    if (elem == 0) throw Error(where + ": unknown dtype " + quote(t.dtype));

    const auto shape = e.find("shape");
    if (shape == e.end() || !shape->is_array() || shape->size() > kMaxDims)
        throw Error(where + ": 'shape' must be an array of at most " + std::to_string(kMaxDims) + " sizes");
    uint64_t n = 1;
    for (const auto& d : *shape) {
        if (!d.is_number_unsigned() || d.get<uint64_t>() > (uint64_t)std::numeric_limits<int64_t>::max())
            throw Error(where + ": 'shape' holds " + d.dump() + ", expected non-negative integers");
        const uint64_t dim = d.get<uint64_t>();
        if (__builtin_mul_overflow(n, dim, &n)) throw Error(where + ": shape " + shape->dump() + " overflows");
        t.shape.push_back((int64_t)dim);
    }
    uint64_t nbytes;
    if (__builtin_mul_overflow(n, (uint64_t)elem, &nbytes)) throw Error(where + ": shape " + shape->dump() + " overflows");

    const auto offsets = e.find("data_offsets");
    if (offsets == e.end() || !offsets->is_array() || offsets->size() != 2 || !(*offsets)[0].is_number_unsigned() ||
        !(*offsets)[1].is_number_unsigned())
        throw Error(where + ": 'data_offsets' must be two non-negative integers [begin, end]");
    const uint64_t begin = (*offsets)[0].get<uint64_t>(), end = (*offsets)[1].get<uint64_t>();
    if (begin > end || end > data_size)
        throw Error(where + ": data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                    "] fall outside the data section of " + std::to_string(data_size) + " bytes (truncated file?)");
    if (end - begin != nbytes)
        throw Error(where + ": data_offsets span " + std::to_string(end - begin) + " bytes but " + t.dtype + " " +
                    shape->dump() + " needs " + std::to_string(nbytes));
    t.offset = (size_t)begin;
    t.nbytes = (size_t)nbytes;
    t.data = data + begin;
    return t;
}

}  // namespace

size_t safetensors_dtype_size(const std::string& d) {
    if (d == "F64" || d == "I64" || d == "U64") return 8;
    if (d == "F32" || d == "I32" || d == "U32") return 4;
    if (d == "F16" || d == "BF16" || d == "I16" || d == "U16") return 2;
    if (d == "I8" || d == "U8" || d == "BOOL" || d == "F8_E4M3" || d == "F8_E5M2") return 1;
    return 0;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path + ": not a readable regular file");
    }
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->path_ = path;
    const size_t size = (size_t)st.st_size;
    if (size > 0) {  // mmap refuses a zero length; the parser reports the empty file
        void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        const int err = errno;
        ::close(fd);
        if (map == MAP_FAILED) throw Error(path + ": cannot map " + std::to_string(size) + " bytes: " + std::strerror(err));
        f->map_ = map;  // owned from here on: the destructor unmaps even if parsing throws
        f->map_size_ = size;
    } else {
        ::close(fd);
    }
    f->parse(static_cast<const uint8_t*>(f->map_), size);
    return f;
}

std::unique_ptr<SafetensorsFile> SafetensorsFile::from_memory(const uint8_t* data, size_t size,
                                                              const std::string& name) {
    std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
    f->path_ = name;
    f->parse(data, size);
    return f;
}

SafetensorsFile::~SafetensorsFile() {
    if (map_) ::munmap(map_, map_size_);
}

void SafetensorsFile::parse(const uint8_t* data, size_t size) {
    if (size < 8) throw Error(path_ + ": not a safetensors file: only " + std::to_string(size) + " bytes");
    uint64_t header_len;
    std::memcpy(&header_len, data, 8);
    if (header_len > kMaxHeaderBytes || header_len > size - 8)
        throw Error(path_ + ": corrupt or truncated safetensors file: header length " + std::to_string(header_len) +
                    " but the file has " + std::to_string(size) + " bytes");
    const char* text = reinterpret_cast<const char*>(data + 8);
    if (header_len == 0 || text[0] != '{') throw Error(path_ + ": not a safetensors file: the header is not a JSON object");
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(text, text + header_len);
    } catch (const nlohmann::json::exception& e) {
        throw Error(path_ + ": corrupt safetensors header: " + e.what());
    }
    if (!header.is_object()) throw Error(path_ + ": corrupt safetensors header: not a JSON object");
    const uint8_t* section = data + 8 + header_len;
    const uint64_t section_size = size - 8 - header_len;
    for (const auto& [name, entry] : header.items()) {
        if (name == "__metadata__") {
            if (!entry.is_object()) throw Error(path_ + ": __metadata__ is not an object");
            for (const auto& [k, v] : entry.items())
                metadata_[k] = v.is_string() ? v.get<std::string>() : v.dump();
            continue;
        }
        tensors_.push_back(parse_entry(path_, name, entry, section, section_size));
    }
    std::sort(tensors_.begin(), tensors_.end(),
              [](const SafetensorsTensor& a, const SafetensorsTensor& b) { return a.offset < b.offset; });
    for (size_t i = 0; i < tensors_.size(); ++i) {
        // Overlapping tensors mean a corrupt header (the format forbids them).
        if (i > 0 && tensors_[i].offset < tensors_[i - 1].offset + tensors_[i - 1].nbytes)
            throw Error(path_ + ": corrupt safetensors header: tensors " + quote(tensors_[i - 1].name) + " and " +
                        quote(tensors_[i].name) + " overlap");
        index_.emplace(tensors_[i].name, i);
    }
}

const SafetensorsTensor* SafetensorsFile::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : &tensors_[it->second];
}

// ---------------------------------------------------------------------------

std::unique_ptr<SafetensorsWeights> SafetensorsWeights::open_dir(const std::string& dir) {
    namespace fs = std::filesystem;
    auto w = std::make_unique<SafetensorsWeights>();
    const fs::path index_path = fs::path(dir) / "model.safetensors.index.json";
    const fs::path single = fs::path(dir) / "model.safetensors";
    if (!fs::exists(index_path)) {
        if (!fs::exists(single))
            throw Error(dir + ": no model.safetensors or model.safetensors.index.json (not a Hugging Face checkpoint?)");
        w->files_.push_back(SafetensorsFile::open(single.string()));
        for (const SafetensorsTensor& t : w->files_[0]->tensors()) {
            w->tensors_.push_back(&t);
            w->index_[t.name] = {&t, 0};
        }
        return w;
    }
    std::ifstream in(index_path);
    nlohmann::json index;
    try {
        index = nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(index_path.string() + ": not valid JSON: " + e.what());
    }
    if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
        throw Error(index_path.string() + ": missing the 'weight_map' object");
    std::map<std::string, size_t> file_index;  // shard name -> files_ position
    for (const auto& [name, shard] : index["weight_map"].items()) {
        if (!shard.is_string()) throw Error(index_path.string() + ": weight_map[" + quote(name) + "] is not a file name");
        const std::string shard_name = shard.get<std::string>();
        // A shard is a file in the checkpoint directory, never a path elsewhere.
        if (shard_name.empty() || shard_name.find('/') != std::string::npos || shard_name == "..")
            throw Error(index_path.string() + ": bad shard name " + quote(shard_name));
        auto [it, added] = file_index.emplace(shard_name, w->files_.size());
        if (added) w->files_.push_back(SafetensorsFile::open((fs::path(dir) / shard_name).string()));
        const SafetensorsTensor* t = w->files_[it->second]->find(name);
        if (!t)
            throw Error(index_path.string() + " lists tensor " + quote(name) + " in " + shard_name +
                        ", which does not have it");
        w->tensors_.push_back(t);
        w->index_[name] = {t, it->second};
    }
    return w;
}

const SafetensorsTensor* SafetensorsWeights::find(const std::string& name) const {
    auto it = index_.find(name);
    return it == index_.end() ? nullptr : it->second.first;
}

const std::string& SafetensorsWeights::file_of(const SafetensorsTensor& t) const {
    return files_[index_.at(t.name).second]->path();
}

}  // namespace kvzip
