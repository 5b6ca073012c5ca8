// GGUF reader. The format is simple enough that no library is needed (ggml's own
// reader lives inside ggml, which we do not link); what matters here is that a
// corrupt file can never make us read out of bounds or allocate absurd amounts,
// so every read goes through one bounds-checked cursor.
#include "io/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <limits>
#include <utility>

#include "util/error.h"

namespace kvzip {

// GGUF is little-endian on disk and values are read with memcpy.
static_assert(std::endian::native == std::endian::little, "the GGUF reader assumes a little-endian host");

namespace {

constexpr size_t kMaxArrayDepth = 8;   // nesting levels; guards the recursion against hostile files
constexpr uint32_t kMaxDims = 4;       // GGML_MAX_DIMS
constexpr size_t kDefaultAlignment = 32;
constexpr size_t kMaxStringShown = 80;  // bytes of a string that to_string() shows

// The smallest number of bytes one encoded kv pair / tensor info can take:
// used to reject absurd counts before looping over them.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;              // key length, value type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 8 + 4 + 8;  // name length, n_dims, 1 dim, type, offset

bool valid_value_type(uint32_t t) { return t <= static_cast<uint32_t>(GGUFValueType::FLOAT64); }

// Encoded size of a scalar, 0 for strings and arrays.
size_t scalar_size(GGUFValueType t) {
    switch (t) {
        case GGUFValueType::UINT8: case GGUFValueType::INT8: case GGUFValueType::BOOL: return 1;
        case GGUFValueType::UINT16: case GGUFValueType::INT16: return 2;
        case GGUFValueType::UINT32: case GGUFValueType::INT32: case GGUFValueType::FLOAT32: return 4;
        case GGUFValueType::UINT64: case GGUFValueType::INT64: case GGUFValueType::FLOAT64: return 8;
        case GGUFValueType::STRING: case GGUFValueType::ARRAY: return 0;
    }
    return 0;
}

// Smallest encoding of one array element of type t (a string is at least its
// length, an array at least its element type and length).
size_t min_encoded_size(GGUFValueType t) {
    if (t == GGUFValueType::STRING) return 8;
    if (t == GGUFValueType::ARRAY) return 4 + 8;
    return scalar_size(t);
}

bool is_integer_type(GGUFValueType t) {
    switch (t) {
        case GGUFValueType::UINT8: case GGUFValueType::INT8: case GGUFValueType::UINT16:
        case GGUFValueType::INT16: case GGUFValueType::UINT32: case GGUFValueType::INT32:
        case GGUFValueType::UINT64: case GGUFValueType::INT64: return true;
        default: return false;
    }
}

bool is_float_type(GGUFValueType t) { return t == GGUFValueType::FLOAT32 || t == GGUFValueType::FLOAT64; }

// Rounds x up to a multiple of the power of two `align`; false on overflow.
bool align_up(uint64_t x, uint64_t align, uint64_t& out) {
    uint64_t sum;
    if (__builtin_add_overflow(x, align - 1, &sum)) return false;
    out = sum & ~(align - 1);
    return true;
}

uint64_t saturating_add(uint64_t a, uint64_t b) {
    uint64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<uint64_t>::max() : sum;
}

// An integer metadata value as uint64, with negative values mapped to 0.
uint64_t nonnegative_int(const GGUFValue& v) {
    if (const auto* u = std::get_if<uint64_t>(&v.v)) return *u;
    const int64_t i = std::get<int64_t>(v.v);
    return i < 0 ? 0 : static_cast<uint64_t>(i);
}

std::string quote(const std::string& s) { return "'" + s + "'"; }

// Shortest decimal text that reads back as the same value.
template <class T>
std::string format_float(T v) {
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, res.ptr);
}

// A double-quoted, escaped rendering of s, cut after kMaxStringShown bytes
// (at a UTF-8 character boundary) so that a chat template stays one short line.
std::string render_string(const std::string& s) {
    size_t shown = s.size();
    if (shown > kMaxStringShown) {
        shown = kMaxStringShown;
        while (shown > 0 && (static_cast<unsigned char>(s[shown]) & 0xC0) == 0x80) --shown;
    }
    std::string out = "\"";
    for (size_t i = 0; i < shown; ++i) {
        unsigned char c = static_cast<unsigned char>(s[i]);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    static const char* hex = "0123456789abcdef";
                    out += "\\x";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += "\"";
    if (shown < s.size()) out += "... (" + std::to_string(s.size()) + " bytes)";
    return out;
}

// Bounds-checked little-endian reader over the whole file. `context` names
// the item being read so that every error says where the problem is.
class Cursor {
public:
    Cursor(const uint8_t* data, size_t size, const std::string& name) : data_(data), size_(size), name_(name) {}

    size_t pos() const { return pos_; }
    size_t size() const { return size_; }
    size_t remaining() const { return size_ - pos_; }
    std::string context;

    [[noreturn]] void fail(const std::string& msg) const { throw Error(name_ + ": " + msg); }

    void need(size_t n) const {
        if (n > remaining()) {
            fail("truncated: " + context + " ends at byte " + std::to_string(saturating_add(pos_, n)) +
                 " but the file has " + std::to_string(size_) + " bytes");
        }
    }

    template <class T>
    T load() {
        need(sizeof(T));
        T v;
        std::memcpy(&v, data_ + pos_, sizeof(T));
        pos_ += sizeof(T);
        return v;
    }

    std::string str() {
        const size_t at = pos_;
        const uint64_t len = load<uint64_t>();
        if (len > remaining()) {
            fail("truncated or corrupt: " + context + " has a string of " + std::to_string(len) + " bytes at byte " +
                 std::to_string(at) + " but only " + std::to_string(remaining()) + " bytes follow");
        }
        std::string s(reinterpret_cast<const char*>(data_ + pos_), static_cast<size_t>(len));
        pos_ += static_cast<size_t>(len);
        return s;
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const std::string& name_;
};

GGUFValue read_value(Cursor& c, GGUFValueType type, size_t depth);

GGUFValue read_array(Cursor& c, size_t depth) {
    if (depth >= kMaxArrayDepth) {
        c.fail("corrupt: " + c.context + " has arrays nested deeper than " + std::to_string(kMaxArrayDepth) +
               " levels at byte " + std::to_string(c.pos()));
    }
    const size_t at = c.pos();
    const uint32_t raw_elem = c.load<uint32_t>();
    if (!valid_value_type(raw_elem)) {
        c.fail("corrupt: " + c.context + " has an array of unknown element type " + std::to_string(raw_elem) +
               " at byte " + std::to_string(at));
    }
    const auto elem = static_cast<GGUFValueType>(raw_elem);
    const uint64_t n = c.load<uint64_t>();
    // Reject a count that cannot fit before reserving memory for it.
    if (n > c.remaining() / min_encoded_size(elem)) {
        c.fail("truncated or corrupt: " + c.context + " has an array of " + std::to_string(n) + " " +
               gguf_type_name(elem) + " items at byte " + std::to_string(at) + " but only " +
               std::to_string(c.remaining()) + " bytes follow");
    }
    auto items = std::make_shared<GGUFArray>();
    items->reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) items->push_back(read_value(c, elem, depth + 1));
    GGUFValue v;
    v.type = GGUFValueType::ARRAY;
    v.elem_type = elem;
    v.v = std::move(items);
    return v;
}

GGUFValue read_value(Cursor& c, GGUFValueType type, size_t depth) {
    GGUFValue v;
    v.type = type;
    switch (type) {
        case GGUFValueType::UINT8: v.v = uint64_t{c.load<uint8_t>()}; break;
        case GGUFValueType::INT8: v.v = int64_t{c.load<int8_t>()}; break;
        case GGUFValueType::UINT16: v.v = uint64_t{c.load<uint16_t>()}; break;
        case GGUFValueType::INT16: v.v = int64_t{c.load<int16_t>()}; break;
        case GGUFValueType::UINT32: v.v = uint64_t{c.load<uint32_t>()}; break;
        case GGUFValueType::INT32: v.v = int64_t{c.load<int32_t>()}; break;
        case GGUFValueType::UINT64: v.v = c.load<uint64_t>(); break;
        case GGUFValueType::INT64: v.v = c.load<int64_t>(); break;
        case GGUFValueType::FLOAT32: v.v = double{c.load<float>()}; break;
        case GGUFValueType::FLOAT64: v.v = c.load<double>(); break;
        case GGUFValueType::BOOL: {
            const size_t at = c.pos();
            const uint8_t b = c.load<uint8_t>();
            // The spec says any value but 0 and 1 means a broken file.
            if (b > 1) {
                c.fail("corrupt: " + c.context + " has an invalid bool value " + std::to_string(b) + " at byte " +
                       std::to_string(at));
            }
            v.v = b == 1;
            break;
        }
        case GGUFValueType::STRING: v.v = c.str(); break;
        case GGUFValueType::ARRAY: return read_array(c, depth);
    }
    return v;
}

}  // namespace

// ---------------------------------------------------------------------------
// GGUFValue

std::string gguf_type_name(GGUFValueType t) {
    switch (t) {
        case GGUFValueType::UINT8: return "uint8";
        case GGUFValueType::INT8: return "int8";
        case GGUFValueType::UINT16: return "uint16";
        case GGUFValueType::INT16: return "int16";
        case GGUFValueType::UINT32: return "uint32";
        case GGUFValueType::INT32: return "int32";
        case GGUFValueType::FLOAT32: return "float32";
        case GGUFValueType::BOOL: return "bool";
        case GGUFValueType::STRING: return "string";
        case GGUFValueType::ARRAY: return "array";
        case GGUFValueType::UINT64: return "uint64";
        case GGUFValueType::INT64: return "int64";
        case GGUFValueType::FLOAT64: return "float64";
    }
    return "type#" + std::to_string(static_cast<uint32_t>(t));
}

std::string GGUFValue::type_description() const {
    if (!is_array()) return gguf_type_name(type);
    if (elem_type != GGUFValueType::ARRAY) return "array of " + gguf_type_name(elem_type);
    return "array of arrays";
}

bool GGUFValue::is_integer() const { return is_integer_type(type); }
bool GGUFValue::is_number() const { return is_integer_type(type) || is_float_type(type); }

int64_t GGUFValue::as_int() const {
    if (!is_integer()) throw Error("has type " + type_description() + ", expected an integer");
    if (const auto* u = std::get_if<uint64_t>(&v)) {
        if (*u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            throw Error("value " + std::to_string(*u) + " does not fit in a signed 64-bit integer");
        }
        return static_cast<int64_t>(*u);
    }
    return std::get<int64_t>(v);
}

double GGUFValue::as_float() const {
    if (is_float_type(type)) return std::get<double>(v);
    if (const auto* u = std::get_if<uint64_t>(&v); u && is_integer()) return static_cast<double>(*u);
    if (const auto* i = std::get_if<int64_t>(&v); i && is_integer()) return static_cast<double>(*i);
    throw Error("has type " + type_description() + ", expected a number");
}

bool GGUFValue::as_bool() const {
    if (type != GGUFValueType::BOOL) throw Error("has type " + type_description() + ", expected a bool");
    return std::get<bool>(v);
}

const std::string& GGUFValue::as_string() const {
    if (type != GGUFValueType::STRING) throw Error("has type " + type_description() + ", expected a string");
    return std::get<std::string>(v);
}

const GGUFArray& GGUFValue::as_array() const {
    if (!is_array()) throw Error("has type " + type_description() + ", expected an array");
    return *std::get<std::shared_ptr<GGUFArray>>(v);
}

std::string GGUFValue::to_string(size_t max_items) const {
    switch (type) {
        case GGUFValueType::BOOL: return std::get<bool>(v) ? "true" : "false";
        case GGUFValueType::STRING: return render_string(std::get<std::string>(v));
        case GGUFValueType::FLOAT32: return format_float(static_cast<float>(std::get<double>(v)));
        case GGUFValueType::FLOAT64: return format_float(std::get<double>(v));
        case GGUFValueType::ARRAY: {
            const GGUFArray& items = as_array();
            std::string out = "[";
            const size_t shown = std::min(items.size(), max_items);
            for (size_t i = 0; i < shown; ++i) {
                if (i) out += ", ";
                out += items[i].to_string(max_items);
            }
            if (shown < items.size()) out += std::string(shown ? ", " : "") + "... (" + std::to_string(items.size()) + " items)";
            return out + "]";
        }
        default:
            if (const auto* u = std::get_if<uint64_t>(&v)) return std::to_string(*u);
            return std::to_string(std::get<int64_t>(v));
    }
}

// ---------------------------------------------------------------------------
// GGUFTensor

int64_t GGUFTensor::n_elements() const {
    // The parser guarantees that this product does not overflow.
    int64_t n = 1;
    for (int64_t d : ne) n *= d;
    return n;
}

// ---------------------------------------------------------------------------
// GGUFFile: construction

std::unique_ptr<GGUFFile> GGUFFile::open(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        throw Error(path + ": cannot stat: " + std::strerror(err));
    }
    if (!S_ISREG(st.st_mode)) {
        ::close(fd);
        throw Error(path + ": not a regular file");
    }
    std::unique_ptr<GGUFFile> f(new GGUFFile());
    f->path_ = path;
    const size_t size = static_cast<size_t>(st.st_size);
    if (size > 0) {  // mmap refuses a zero length; the parser reports the empty file
        void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
        const int err = errno;
        ::close(fd);
        if (map == MAP_FAILED) throw Error(path + ": cannot map " + std::to_string(size) + " bytes: " + std::strerror(err));
        // Owned from here on: the destructor unmaps even if parsing throws.
        f->map_ = map;
        f->map_size_ = size;
    } else {
        ::close(fd);
    }
    f->parse(static_cast<const uint8_t*>(f->map_), size);
    return f;
}

std::unique_ptr<GGUFFile> GGUFFile::from_memory(const uint8_t* data, size_t size, const std::string& name) {
    std::unique_ptr<GGUFFile> f(new GGUFFile());
    f->path_ = name;
    f->parse(data, size);
    return f;
}

std::unique_ptr<GGUFFile> GGUFFile::from_parts(const std::string& name,
                                               std::vector<std::pair<std::string, GGUFValue>> metadata,
                                               std::vector<GGUFTensor> tensors, std::shared_ptr<const void> storage) {
    std::unique_ptr<GGUFFile> f(new GGUFFile());
    f->path_ = name;
    f->storage_ = std::move(storage);
    for (auto& [key, value] : metadata) {
        if (!f->kv_index_.emplace(key, f->kv_.size()).second) throw Error(name + ": duplicate metadata key " + quote(key));
        f->kv_.emplace_back(std::move(key), std::move(value));
    }
    for (GGUFTensor& t : tensors) {
        if (!f->tensor_index_.emplace(t.name, f->tensors_.size()).second)
            throw Error(name + ": duplicate tensor name " + quote(t.name));
        f->file_size_ += t.nbytes;
        f->tensors_.push_back(std::move(t));
    }
    return f;
}

GGUFFile::~GGUFFile() {
    if (map_) ::munmap(map_, map_size_);
}

// ---------------------------------------------------------------------------
// GGUFFile: parsing

namespace {

struct Header {
    uint32_t version = 0;
    uint64_t tensor_count = 0;
    uint64_t kv_count = 0;
};

Header read_header(Cursor& c, const uint8_t* data) {
    if (c.size() < 4) {
        c.fail("not a GGUF file: it has only " + std::to_string(c.size()) + " bytes (a GGUF file starts with 'GGUF')");
    }
    if (std::memcmp(data, "GGUF", 4) != 0) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", data[0], data[1], data[2], data[3]);
        c.fail(std::string("not a GGUF file: bad magic (bytes ") + hex + ", expected 'GGUF' = 47 47 55 46)");
    }
    c.load<uint32_t>();
    c.context = "header";
    Header h;
    h.version = c.load<uint32_t>();
    if (h.version != 0 && (h.version & 0xFFFF) == 0) {
        c.fail("big-endian GGUF files are not supported (version field reads " + std::to_string(h.version) + ")");
    }
    if (h.version == 1) {
        c.fail("GGUF version 1 is not supported (it predates 64-bit counts); supported versions are 2 and 3 - "
               "re-convert the model with a current llama.cpp");
    }
    if (h.version != 2 && h.version != 3) {
        c.fail("unsupported GGUF version " + std::to_string(h.version) + " (supported: 2 and 3)");
    }
    h.tensor_count = c.load<uint64_t>();
    h.kv_count = c.load<uint64_t>();
    // Counts that cannot fit in the rest of the file are corrupt; rejecting them
    // here keeps a flipped bit from turning into a huge loop or reservation.
    if (h.kv_count > c.remaining() / kMinKvBytes) {
        c.fail("corrupt header: metadata kv count " + std::to_string(h.kv_count) + " cannot fit in the " +
               std::to_string(c.remaining()) + " bytes that follow (each pair needs at least " +
               std::to_string(kMinKvBytes) + ")");
    }
    if (h.tensor_count > (c.remaining() - h.kv_count * kMinKvBytes) / kMinTensorInfoBytes) {
        c.fail("corrupt header: tensor count " + std::to_string(h.tensor_count) + " cannot fit in the " +
               std::to_string(c.remaining()) + " bytes that follow (each tensor info needs at least " +
               std::to_string(kMinTensorInfoBytes) + ")");
    }
    return h;
}

// Reads one metadata value of the type that follows; the key is already read.
GGUFValue read_kv_value(Cursor& c) {
    const size_t type_at = c.pos();
    const uint32_t raw_type = c.load<uint32_t>();
    if (!valid_value_type(raw_type)) {
        c.fail("corrupt: " + c.context + " has unknown value type " + std::to_string(raw_type) + " at byte " +
               std::to_string(type_at));
    }
    return read_value(c, static_cast<GGUFValueType>(raw_type), 0);
}

// general.alignment if present (any integer type), else the default.
size_t read_alignment(const Cursor& c, const GGUFValue* a) {
    if (!a) return kDefaultAlignment;
    if (!a->is_integer()) c.fail("corrupt: general.alignment has type " + a->type_description() + ", expected an integer");
    const uint64_t align = nonnegative_int(*a);
    if (!std::has_single_bit(align)) {
        c.fail("corrupt: general.alignment is " + a->to_string() + ", expected a nonzero power of two");
    }
    return static_cast<size_t>(align);
}

// Reads the dims, type and offset of a tensor info whose name is already in
// `t`, and sizes the tensor; checks everything that does not need the data
// section.
void read_tensor_shape(Cursor& c, GGUFTensor& t, uint64_t index, size_t alignment) {
    const uint32_t n_dims = c.load<uint32_t>();
    if (n_dims == 0 || n_dims > kMaxDims) {
        c.fail("corrupt: " + c.context + " has " + std::to_string(n_dims) + " dimensions (expected 1 to " +
               std::to_string(kMaxDims) + ")");
    }
    int64_t n_elements = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
        const uint64_t dim = c.load<uint64_t>();
        if (dim == 0 || dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            c.fail("corrupt: " + c.context + " has dimension " + std::to_string(d) + " = " + std::to_string(dim) +
                   " (must be positive and below 2^63)");
        }
        if (__builtin_mul_overflow(n_elements, static_cast<int64_t>(dim), &n_elements)) {
            c.fail("corrupt: " + c.context + " has more elements than fit in 64 bits");
        }
        t.ne.push_back(static_cast<int64_t>(dim));
    }

    const uint32_t raw_type = c.load<uint32_t>();
    const bool known = type_known(raw_type);
    const size_t block_elems = known ? type_block_elems(static_cast<GGMLType>(raw_type)) : 0;
    const size_t block_bytes = known ? type_block_bytes(static_cast<GGMLType>(raw_type)) : 0;
    if (block_elems == 0 || block_bytes == 0) {
        c.fail("tensor " + quote(t.name) + " (tensor info " + std::to_string(index) + ") has unknown ggml type " +
               std::to_string(raw_type));
    }
    t.type = static_cast<GGMLType>(raw_type);
    if (static_cast<uint64_t>(t.ne[0]) % block_elems != 0) {
        c.fail("corrupt: " + c.context + " has ne[0] = " + std::to_string(t.ne[0]) +
               ", not a multiple of the block size " + std::to_string(block_elems) + " of type " + type_name(t.type));
    }
    // row_bytes() for the whole tensor, but checked: a corrupt shape can overflow.
    uint64_t nbytes;
    if (__builtin_mul_overflow(static_cast<uint64_t>(n_elements) / block_elems, block_bytes, &nbytes) ||
        nbytes > std::numeric_limits<size_t>::max()) {
        c.fail("corrupt: " + c.context + " has a byte size that overflows");
    }
    t.nbytes = static_cast<size_t>(nbytes);

    const size_t offset_at = c.pos();
    t.offset = c.load<uint64_t>();
    if (t.offset % alignment != 0) {
        c.fail("corrupt: " + c.context + " has data offset " + std::to_string(t.offset) + " (at byte " +
               std::to_string(offset_at) + "), not a multiple of the alignment " + std::to_string(alignment));
    }
}

}  // namespace

void GGUFFile::parse(const uint8_t* data, size_t size) {
    file_size_ = size;
    Cursor c(data, size, path_);
    const Header h = read_header(c, data);
    version_ = h.version;

    kv_.reserve(static_cast<size_t>(h.kv_count));
    for (uint64_t i = 0; i < h.kv_count; ++i) {
        c.context = "metadata kv " + std::to_string(i);
        const size_t key_at = c.pos();
        std::string key = c.str();
        if (key.empty()) c.fail("corrupt: " + c.context + " has an empty key at byte " + std::to_string(key_at));
        if (kv_index_.count(key)) {
            c.fail("corrupt: duplicate metadata key " + quote(key) + " (kv " + std::to_string(i) + " at byte " +
                   std::to_string(key_at) + ")");
        }
        c.context += " (" + quote(key) + ")";
        GGUFValue value = read_kv_value(c);
        kv_index_.emplace(key, kv_.size());
        kv_.emplace_back(std::move(key), std::move(value));
    }
    alignment_ = read_alignment(c, find("general.alignment"));

    tensors_.reserve(static_cast<size_t>(h.tensor_count));
    for (uint64_t i = 0; i < h.tensor_count; ++i) {
        c.context = "tensor info " + std::to_string(i);
        GGUFTensor t;
        t.name = c.str();
        c.context += " (" + quote(t.name) + ")";
        if (tensor_index_.count(t.name)) {
            c.fail("corrupt: duplicate tensor name " + quote(t.name) + " (tensor info " + std::to_string(i) + ")");
        }
        read_tensor_shape(c, t, i, alignment_);
        tensor_index_.emplace(t.name, tensors_.size());
        tensors_.push_back(std::move(t));
    }

    // Tensor data: starts at the first aligned offset after the tensor infos.
    uint64_t data_offset;
    if (!align_up(c.pos(), alignment_, data_offset)) c.fail("corrupt: the data section offset overflows");
    if (tensors_.empty()) {
        // A file without tensors (e.g. vocab only) need not carry the padding.
        data_offset_ = static_cast<size_t>(std::min<uint64_t>(data_offset, size));
        return;
    }
    if (data_offset > size) {
        c.fail("truncated: the tensor data section starts at byte " + std::to_string(data_offset) +
               " but the file has " + std::to_string(size) + " bytes");
    }
    data_offset_ = static_cast<size_t>(data_offset);
    for (size_t i = 0; i < tensors_.size(); ++i) {
        GGUFTensor& t = tensors_[i];
        const uint64_t room = size - data_offset_;
        if (t.offset > room || t.nbytes > room - t.offset) {
            c.fail("truncated: the data of tensor " + std::to_string(i) + " (" + quote(t.name) + ", " +
                   std::to_string(t.nbytes) + " bytes at data offset " + std::to_string(t.offset) + ") ends at byte " +
                   std::to_string(saturating_add(saturating_add(data_offset_, t.offset), t.nbytes)) +
                   " but the file has " + std::to_string(size) + " bytes");
        }
        t.data = data + data_offset_ + t.offset;
    }
}

// ---------------------------------------------------------------------------
// GGUFFile: lookups

const GGUFValue* GGUFFile::find(const std::string& key) const {
    auto it = kv_index_.find(key);
    return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const GGUFTensor* GGUFFile::find_tensor(const std::string& name) const {
    auto it = tensor_index_.find(name);
    return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

void GGUFFile::fail_key(const std::string& key, const std::string& what) const {
    throw Error(path_ + ": metadata key " + quote(key) + " " + what);
}

const GGUFValue& GGUFFile::require(const std::string& key) const {
    const GGUFValue* v = find(key);
    if (!v) throw Error(path_ + ": missing metadata key " + quote(key));
    return *v;
}

namespace {

// Runs a GGUFValue accessor and prefixes its error with the file and key.
template <class F>
auto with_key(const GGUFFile& f, const std::string& key, F&& fn) -> decltype(fn()) {
    try {
        return fn();
    } catch (const Error& e) {
        throw Error(f.path() + ": metadata key " + quote(key) + " " + e.what());
    }
}

}  // namespace

int64_t GGUFFile::get_int(const std::string& key) const {
    const GGUFValue& v = require(key);
    return with_key(*this, key, [&] { return v.as_int(); });
}

int64_t GGUFFile::get_int(const std::string& key, int64_t def) const {
    return find(key) ? get_int(key) : def;
}

double GGUFFile::get_float(const std::string& key) const {
    const GGUFValue& v = require(key);
    return with_key(*this, key, [&] { return v.as_float(); });
}

double GGUFFile::get_float(const std::string& key, double def) const {
    return find(key) ? get_float(key) : def;
}

bool GGUFFile::get_bool(const std::string& key, bool def) const {
    const GGUFValue* v = find(key);
    if (!v) return def;
    return with_key(*this, key, [&] { return v->as_bool(); });
}

std::string GGUFFile::get_string(const std::string& key) const {
    const GGUFValue& v = require(key);
    return with_key(*this, key, [&] { return v.as_string(); });
}

std::string GGUFFile::get_string(const std::string& key, const std::string& def) const {
    return find(key) ? get_string(key) : def;
}

namespace {

// Converts every element of an array with `conv`, naming the first bad element.
template <class T, class Conv>
std::vector<T> convert_array(const GGUFFile& f, const std::string& key, const GGUFValue& v, const char* expected,
                             Conv conv) {
    if (!v.is_array()) {
        throw Error(f.path() + ": metadata key " + quote(key) + " has type " + v.type_description() + ", expected " +
                    expected);
    }
    const GGUFArray& items = v.as_array();
    std::vector<T> out;
    out.reserve(items.size());
    for (size_t i = 0; i < items.size(); ++i) {
        try {
            out.push_back(conv(items[i]));
        } catch (const Error& e) {
            throw Error(f.path() + ": metadata key " + quote(key) + " (" + v.type_description() + ") element " +
                        std::to_string(i) + " " + e.what());
        }
    }
    return out;
}

}  // namespace

std::vector<std::string> GGUFFile::get_string_array(const std::string& key) const {
    return convert_array<std::string>(*this, key, require(key), "an array of strings",
                                      [](const GGUFValue& x) { return x.as_string(); });
}

std::vector<double> GGUFFile::get_float_array(const std::string& key) const {
    return convert_array<double>(*this, key, require(key), "an array of numbers",
                                 [](const GGUFValue& x) { return x.as_float(); });
}

std::vector<int64_t> GGUFFile::get_int_array(const std::string& key) const {
    return convert_array<int64_t>(*this, key, require(key), "an array of integers",
                                  [](const GGUFValue& x) { return x.as_int(); });
}

const GGUFTensor& GGUFFile::tensor(const std::string& name) const {
    const GGUFTensor* t = find_tensor(name);
    if (!t) throw Error(path_ + ": missing tensor " + quote(name));
    return *t;
}

const GGUFTensor& GGUFFile::tensor(const std::string& name, const std::vector<int64_t>& expected_ne) const {
    const GGUFTensor& t = tensor(name);
    if (t.ne != expected_ne) {
        auto shape = [](const std::vector<int64_t>& ne) {
            std::string s = "[";
            for (size_t i = 0; i < ne.size(); ++i) s += (i ? ", " : "") + std::to_string(ne[i]);
            return s + "]";
        };
        throw Error(path_ + ": tensor " + quote(name) + " has shape " + shape(t.ne) + ", expected " +
                    shape(expected_ne));
    }
    return t;
}

}  // namespace kvzip
