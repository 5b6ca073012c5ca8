// GGUF reader tests: golden comparison against the `gguf` Python package
// (scripts/golden/make_gguf_goldens.py), hand-built files for each error path,
// truncated and bit-flipped copies of the fixture, and the real model if present.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "io/gguf.h"
#include "util/error.h"

namespace kvzip {
namespace {

using json = nlohmann::json;

const std::string kFixture = std::string(KVZIP_GOLDEN_DIR) + "/fixture.gguf.golden";
const std::string kFixtureJson = std::string(KVZIP_GOLDEN_DIR) + "/fixture_gguf.json";

std::vector<uint8_t> read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << "cannot read " << path;
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

json read_json(const std::string& path) {
    std::ifstream in(path);
    EXPECT_TRUE(in) << "cannot read " << path;
    return json::parse(in);
}

// Parses `bytes` from an exactly sized heap copy, so that AddressSanitizer
// catches any read past the end, and touches every tensor's first and last
// byte while the copy is alive. Throws what the parser throws.
void parse_copy(const std::vector<uint8_t>& bytes, const std::string& name = "mem.gguf") {
    std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
    if (!bytes.empty()) std::memcpy(copy.get(), bytes.data(), bytes.size());
    auto f = GGUFFile::from_memory(copy.get(), bytes.size(), name);
    volatile unsigned sum = 0;
    for (const GGUFTensor& t : f->tensors()) sum = sum + t.data[0] + t.data[t.nbytes - 1];
    for (const auto& [key, value] : f->metadata()) (void)value.to_string();
}

// Returns the message of the kvzip::Error that `fn` throws ("" if none).
template <class F>
std::string error_of(F&& fn) {
    try {
        fn();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

#define EXPECT_ERROR_CONTAINS(stmt, needle)                                   \
    do {                                                                      \
        std::string msg_ = error_of([&] { stmt; });                           \
        EXPECT_NE(msg_, "") << "expected a kvzip::Error from " #stmt;         \
        EXPECT_NE(msg_.find(needle), std::string::npos) << "message: " << msg_; \
    } while (0)

// ---------------------------------------------------------------------------
// A minimal GGUF writer for hand-made (valid and broken) files.
class Builder {
public:
    explicit Builder(uint32_t version = 3) { raw("GGUF", 4); u32(version); }

    Builder& u8(uint8_t v) { return put(v); }
    Builder& u32(uint32_t v) { return put(v); }
    Builder& u64(uint64_t v) { return put(v); }
    Builder& str(const std::string& s) { u64(s.size()); return raw(s.data(), s.size()); }
    Builder& raw(const void* p, size_t n) {
        auto b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
        return *this;
    }
    Builder& counts(uint64_t tensors, uint64_t kvs) { return u64(tensors).u64(kvs); }
    Builder& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
    Builder& kv_str(const std::string& key, const std::string& v) { return str(key).u32(8).str(v); }
    Builder& tensor_info(const std::string& name, std::vector<uint64_t> ne, uint32_t type, uint64_t offset) {
        str(name).u32(static_cast<uint32_t>(ne.size()));
        for (uint64_t d : ne) u64(d);
        return u32(type).u64(offset);
    }
    // Pads to `align` and appends `n` data bytes.
    Builder& data(size_t n, size_t align = 32) {
        while (bytes.size() % align) bytes.push_back(0);
        bytes.insert(bytes.end(), n, 0xAB);
        return *this;
    }

    std::vector<uint8_t> bytes;

private:
    template <class T>
    Builder& put(T v) { return raw(&v, sizeof v); }
};

// ---------------------------------------------------------------------------
// Golden comparison.

GGUFValueType type_from_name(const std::string& s) {
    static const char* names[] = {"UINT8", "INT8", "UINT16", "INT16", "UINT32", "INT32", "FLOAT32",
                                  "BOOL",  "STRING", "ARRAY", "UINT64", "INT64", "FLOAT64"};
    for (uint32_t i = 0; i < 13; ++i)
        if (s == names[i]) return static_cast<GGUFValueType>(i);
    ADD_FAILURE() << "unknown type name " << s;
    return GGUFValueType::UINT8;
}

// Compares one scalar value with its JSON; arrays recurse (nested arrays are
// {"elem_type", "items"} objects in the JSON).
void expect_value(const GGUFValue& v, GGUFValueType type, const json& j, const std::string& where) {
    SCOPED_TRACE(where);
    ASSERT_EQ(v.type, type);
    switch (type) {
        case GGUFValueType::UINT8: case GGUFValueType::UINT16: case GGUFValueType::UINT32: case GGUFValueType::UINT64:
            EXPECT_EQ(std::get<uint64_t>(v.v), j.get<uint64_t>());
            break;
        case GGUFValueType::INT8: case GGUFValueType::INT16: case GGUFValueType::INT32: case GGUFValueType::INT64:
            EXPECT_EQ(v.as_int(), j.get<int64_t>());
            break;
        case GGUFValueType::FLOAT32: case GGUFValueType::FLOAT64:
            EXPECT_EQ(v.as_float(), j.get<double>());  // exact: both sides hold the same binary value
            break;
        case GGUFValueType::BOOL: EXPECT_EQ(v.as_bool(), j.get<bool>()); break;
        case GGUFValueType::STRING: EXPECT_EQ(v.as_string(), j.get<std::string>()); break;
        case GGUFValueType::ARRAY: {
            const GGUFValueType elem = type_from_name(j.at("elem_type").get<std::string>());
            EXPECT_EQ(v.elem_type, elem);
            const json& items = j.at("items");
            ASSERT_EQ(v.as_array().size(), items.size());
            for (size_t i = 0; i < items.size(); ++i)
                expect_value(v.as_array()[i], elem, items[i], where + "[" + std::to_string(i) + "]");
            break;
        }
    }
}

TEST(GgufGolden, HeaderMatchesPythonReader) {
    const json g = read_json(kFixtureJson);
    auto f = GGUFFile::open(kFixture);
    EXPECT_EQ(f->path(), kFixture);
    EXPECT_EQ(f->version(), g["version"].get<uint32_t>());
    EXPECT_EQ(f->alignment(), g["alignment"].get<size_t>());
    EXPECT_EQ(f->alignment(), 64u);
    EXPECT_EQ(f->data_offset(), g["data_offset"].get<size_t>());
    EXPECT_EQ(f->file_size(), g["file_size"].get<size_t>());
}

TEST(GgufGolden, MetadataMatchesPythonReader) {
    const json g = read_json(kFixtureJson);
    auto f = GGUFFile::open(kFixture);
    const json& meta = g["metadata"];
    ASSERT_EQ(f->metadata().size(), meta.size());
    for (size_t i = 0; i < meta.size(); ++i) {
        const std::string key = meta[i]["key"];
        EXPECT_EQ(f->metadata()[i].first, key) << "file order differs at kv " << i;
        const GGUFValue* v = f->find(key);
        ASSERT_NE(v, nullptr) << key;
        const GGUFValueType type = type_from_name(meta[i]["type"]);
        if (type == GGUFValueType::ARRAY) {
            expect_value(*v, type, json{{"elem_type", meta[i]["elem_type"]}, {"items", meta[i]["value"]}}, key);
        } else {
            expect_value(*v, type, meta[i]["value"], key);
        }
    }
    // Spot checks that do not depend on the JSON at all.
    EXPECT_EQ(f->get_string("general.architecture"), "testarch");
    EXPECT_EQ(f->get_string("test.utf8"), "h\xC3\xA9llo w\xC3\xB6rld \xE2\x9C\x93 \xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E \xF0\x9F\xA6\x99");
    EXPECT_EQ(f->get_string("test.empty_string"), "");
}

TEST(GgufGolden, TensorTableMatchesPythonReader) {
    const json g = read_json(kFixtureJson);
    auto f = GGUFFile::open(kFixture);
    const json& tensors = g["tensors"];
    ASSERT_EQ(f->tensors().size(), tensors.size());
    for (size_t i = 0; i < tensors.size(); ++i) {
        const json& jt = tensors[i];
        const GGUFTensor& t = f->tensors()[i];
        SCOPED_TRACE(jt["name"].get<std::string>());
        EXPECT_EQ(t.name, jt["name"].get<std::string>());
        EXPECT_EQ(static_cast<uint32_t>(t.type), jt["type"].get<uint32_t>());
        EXPECT_EQ(t.ne, jt["ne"].get<std::vector<int64_t>>());
        EXPECT_EQ(t.offset, jt["offset"].get<uint64_t>());
        EXPECT_EQ(t.nbytes, jt["nbytes"].get<size_t>());
        ASSERT_NE(t.data, nullptr);
        uint64_t sum = 0;
        for (size_t b = 0; b < t.nbytes; ++b) sum += t.data[b];
        EXPECT_EQ(sum, jt["byte_sum"].get<uint64_t>());
        const auto first = jt["first_bytes"].get<std::vector<int>>();
        const auto last = jt["last_bytes"].get<std::vector<int>>();
        for (size_t b = 0; b < first.size(); ++b) EXPECT_EQ(t.data[b], first[b]) << "byte " << b;
        for (size_t b = 0; b < last.size(); ++b) EXPECT_EQ(t.data[t.nbytes - last.size() + b], last[b]);
        EXPECT_EQ(f->find_tensor(t.name), &t);
        EXPECT_EQ(t.rows() * t.ne[0], t.n_elements());
    }
    EXPECT_EQ(f->find_tensor("no.such.tensor"), nullptr);
}

TEST(GgufGolden, FromMemoryMatchesOpen) {
    const std::vector<uint8_t> bytes = read_bytes(kFixture);
    auto mem = GGUFFile::from_memory(bytes.data(), bytes.size(), "fixture");
    auto file = GGUFFile::open(kFixture);
    EXPECT_EQ(mem->path(), "fixture");
    ASSERT_EQ(mem->metadata().size(), file->metadata().size());
    for (size_t i = 0; i < mem->metadata().size(); ++i) {
        EXPECT_EQ(mem->metadata()[i].first, file->metadata()[i].first);
        EXPECT_EQ(mem->metadata()[i].second.to_string(1000), file->metadata()[i].second.to_string(1000));
    }
    ASSERT_EQ(mem->tensors().size(), file->tensors().size());
    for (const GGUFTensor& t : mem->tensors()) {
        // Tensor data is referenced in place, never copied.
        EXPECT_EQ(static_cast<size_t>(t.data - bytes.data()), mem->data_offset() + t.offset) << t.name;
        const GGUFTensor& u = file->tensor(t.name, t.ne);
        EXPECT_EQ(std::memcmp(t.data, u.data, t.nbytes), 0) << t.name;
    }
}

// ---------------------------------------------------------------------------
// Typed getters and to_string on the fixture.

class GgufGetters : public ::testing::Test {
protected:
    void SetUp() override { f = GGUFFile::open(kFixture); }
    std::unique_ptr<GGUFFile> f;
};

TEST_F(GgufGetters, IntegersOfEveryWidth) {
    EXPECT_EQ(f->get_int("test.uint8"), 200);
    EXPECT_EQ(f->get_int("test.int8"), -100);
    EXPECT_EQ(f->get_int("test.uint16"), 60000);
    EXPECT_EQ(f->get_int("test.int16"), -30000);
    EXPECT_EQ(f->get_int("test.uint32"), 4000000000LL);
    EXPECT_EQ(f->get_int("test.int32"), -2000000000LL);
    EXPECT_EQ(f->get_int("test.uint64_small"), 123456789012LL);
    EXPECT_EQ(f->get_int("test.int64"), -(1LL << 62) - 7);
    EXPECT_EQ(f->get_int("general.alignment"), 64);
    EXPECT_EQ(f->get_int("missing.key", 17), 17);
    EXPECT_EQ(f->get_int("test.uint8", 17), 200);
    // 2^63 + 5 does not fit in int64: an error, not a silent wrap.
    EXPECT_ERROR_CONTAINS(f->get_int("test.uint64"), "does not fit");
    // Bools and floats are not integers.
    EXPECT_ERROR_CONTAINS(f->get_int("test.bool_true"), "has type bool, expected an integer");
    EXPECT_ERROR_CONTAINS(f->get_int("test.float32"), "has type float32, expected an integer");
    // A present key of the wrong type is an error even when a default is given.
    EXPECT_ERROR_CONTAINS(f->get_int("test.string", 5), "'test.string' has type string, expected an integer");
}

TEST_F(GgufGetters, Floats) {
    EXPECT_EQ(f->get_float("test.float32"), static_cast<double>(3.14159f));
    EXPECT_EQ(f->get_float("test.float64"), 2.718281828459045);
    EXPECT_EQ(f->get_float("test.int16"), -30000.0);  // integers convert
    EXPECT_EQ(f->get_float("test.uint64"), 9223372036854775813.0);
    EXPECT_EQ(f->get_float("missing.key", 0.25), 0.25);
    EXPECT_ERROR_CONTAINS(f->get_float("test.bool_false"), "has type bool, expected a number");
    EXPECT_ERROR_CONTAINS(f->get_float("test.array.float32"), "has type array of float32, expected a number");
}

TEST_F(GgufGetters, StringsAndBools) {
    EXPECT_EQ(f->get_string("test.string"), "hello, gguf");
    EXPECT_EQ(f->get_string("missing.key", "dflt"), "dflt");
    EXPECT_EQ(f->get_string("test.long_string").size(), 300u);
    EXPECT_TRUE(f->get_bool("test.bool_true", false));
    EXPECT_FALSE(f->get_bool("test.bool_false", true));
    EXPECT_TRUE(f->get_bool("missing.key", true));
    EXPECT_ERROR_CONTAINS(f->get_bool("test.uint8", false), "has type uint8, expected a bool");
    EXPECT_ERROR_CONTAINS(f->get_string("test.uint32"), "has type uint32, expected a string");
}

TEST_F(GgufGetters, Arrays) {
    EXPECT_EQ(f->get_int_array("test.array.int32"), (std::vector<int64_t>{-1, 0, 1, 2147483647}));
    EXPECT_EQ(f->get_int_array("test.array.uint8"), (std::vector<int64_t>{0, 1, 255}));
    EXPECT_EQ(f->get_int_array("test.array.int64"),
              (std::vector<int64_t>{std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()}));
    EXPECT_EQ(f->get_int_array("test.array.many").size(), 100u);
    EXPECT_EQ(f->get_float_array("test.array.float32"), (std::vector<double>{0.5, -1.25, static_cast<double>(1e-3f), 65504.0}));
    EXPECT_EQ(f->get_float_array("test.array.int8"), (std::vector<double>{-128, 0, 127}));
    EXPECT_EQ(f->get_string_array("test.array.string"),
              (std::vector<std::string>{"a", "bc", "", "\xE6\x97\xA5\xE6\x9C\xAC"}));
    const GGUFArray& nested = f->find("test.array.nested")->as_array();
    ASSERT_EQ(nested.size(), 2u);
    EXPECT_EQ(nested[1].as_array()[1].as_int(), 5);
    EXPECT_ERROR_CONTAINS(f->get_int_array("test.array.uint64"), "element 1 value 18446744073709551615 does not fit");
    EXPECT_ERROR_CONTAINS(f->get_string_array("test.array.int32"), "element 0 has type int32, expected a string");
    EXPECT_ERROR_CONTAINS(f->get_int_array("test.array.nested"), "element 0 has type array of int32, expected an integer");
    EXPECT_ERROR_CONTAINS(f->get_int_array("test.int32"), "'test.int32' has type int32, expected an array of integers");
    EXPECT_ERROR_CONTAINS(f->get_string_array("missing.array"), "missing metadata key 'missing.array'");
}

TEST_F(GgufGetters, MissingKeyNamesFileAndKey) {
    EXPECT_EQ(error_of([&] { f->get_int("llama.block_count"); }),
              kFixture + ": missing metadata key 'llama.block_count'");
    EXPECT_ERROR_CONTAINS(f->get_float("x.y"), "missing metadata key 'x.y'");
    EXPECT_ERROR_CONTAINS(f->get_string("x.y"), "missing metadata key 'x.y'");
    EXPECT_EQ(f->find("x.y"), nullptr);
}

TEST_F(GgufGetters, TensorLookup) {
    EXPECT_EQ(f->tensor("q8_0.weight").type, GGMLType::Q8_0);
    EXPECT_EQ(f->tensor("q8_0.weight", {64, 2}).nbytes, 2u * 2 * 34);
    EXPECT_EQ(f->tensor("f32.4d").ne, (std::vector<int64_t>{5, 4, 3, 2}));
    EXPECT_EQ(f->tensor("f32.4d").rows(), 24);
    EXPECT_EQ(error_of([&] { f->tensor("output.weight"); }), kFixture + ": missing tensor 'output.weight'");
    EXPECT_ERROR_CONTAINS(f->tensor("f32.matrix", {3, 5}), "tensor 'f32.matrix' has shape [5, 3], expected [3, 5]");
}

TEST_F(GgufGetters, ToString) {
    auto str = [&](const char* key, size_t n = 8) { return f->find(key)->to_string(n); };
    EXPECT_EQ(str("test.uint8"), "200");
    EXPECT_EQ(str("test.int64"), "-4611686018427387911");
    EXPECT_EQ(str("test.uint64"), "9223372036854775813");
    EXPECT_EQ(str("test.float32"), "3.14159");   // shortest float32 text, not the double's digits
    EXPECT_EQ(str("test.float64"), "2.718281828459045");
    EXPECT_EQ(str("test.bool_true"), "true");
    EXPECT_EQ(str("test.string"), "\"hello, gguf\"");
    EXPECT_EQ(str("test.escapes"), "\"line1\\nline2\\t\\\"quoted\\\"\"");
    EXPECT_EQ(str("test.empty_string"), "\"\"");
    const std::string long_str = str("test.long_string");
    EXPECT_LT(long_str.size(), 120u);
    EXPECT_NE(long_str.find("... (300 bytes)"), std::string::npos) << long_str;
    EXPECT_EQ(str("test.array.int32"), "[-1, 0, 1, 2147483647]");
    EXPECT_EQ(str("test.array.string"), "[\"a\", \"bc\", \"\", \"\xE6\x97\xA5\xE6\x9C\xAC\"]");
    EXPECT_EQ(str("test.array.bool"), "[true, false, true]");
    EXPECT_EQ(str("test.array.many", 3), "[0, 1, 2, ... (100 items)]");
    EXPECT_EQ(str("test.array.many", 0), "[... (100 items)]");
    EXPECT_EQ(str("test.array.nested"), "[[1, 2, 3], [4, 5]]");
    EXPECT_EQ(str("test.array.nested3"), "[[[1.5, 2.5]], [[3.5]]]");
    EXPECT_EQ(f->find("test.array.nested")->type_description(), "array of arrays");
    EXPECT_EQ(f->find("test.array.uint16")->type_description(), "array of uint16");
}

// ---------------------------------------------------------------------------
// Hand-made files: one per rule the reader enforces.

TEST(GgufErrors, MinimalFilesAreValid) {
    // No tensors, no metadata, no data section at all.
    auto f = GGUFFile::from_memory(Builder().counts(0, 0).bytes.data(), 24, "empty.gguf");
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->alignment(), 32u);
    EXPECT_TRUE(f->metadata().empty());
    EXPECT_TRUE(f->tensors().empty());
    // Version 2 has the same layout.
    Builder v2(2);
    v2.counts(1, 1).kv_str("general.architecture", "llama").tensor_info("w", {8, 2}, 0, 0).data(64);
    parse_copy(v2.bytes);
    auto g = GGUFFile::from_memory(v2.bytes.data(), v2.bytes.size(), "v2.gguf");
    EXPECT_EQ(g->version(), 2u);
    EXPECT_EQ(g->tensor("w", {8, 2}).nbytes, 64u);
    EXPECT_EQ(g->tensor("w").data - v2.bytes.data(), static_cast<ptrdiff_t>(g->data_offset()));
    EXPECT_EQ(g->data_offset() % 32, 0u);
}

TEST(GgufErrors, Versions) {
    EXPECT_ERROR_CONTAINS(parse_copy(Builder(1).counts(0, 0).bytes, "old.gguf"), "old.gguf: GGUF version 1 is not supported");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder(4).counts(0, 0).bytes, "new.gguf"), "new.gguf: unsupported GGUF version 4");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder(0x03000000).counts(0, 0).bytes), "big-endian");
}

TEST(GgufErrors, BadMagicAndTinyFiles) {
    EXPECT_ERROR_CONTAINS(parse_copy({}, "zero.gguf"), "zero.gguf: not a GGUF file");
    EXPECT_ERROR_CONTAINS(parse_copy({'G', 'G'}), "not a GGUF file");
    Builder b;
    b.bytes[3] = 'X';
    EXPECT_ERROR_CONTAINS(parse_copy(b.counts(0, 0).bytes), "bad magic");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().u64(0).bytes, "short.gguf"),
                          "short.gguf: truncated: header ends at byte 24 but the file has 16 bytes");
}

TEST(GgufErrors, AbsurdCountsAreRejectedBeforeAllocating) {
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, ~0ull).bytes), "metadata kv count 18446744073709551615 cannot fit");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(1ull << 60, 0).bytes), "tensor count 1152921504606846976 cannot fit");
    // 2 tensors need 64 bytes; 40 are there.
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(2, 0).data(40, 1).bytes), "tensor count 2 cannot fit");
    // String and array lengths far beyond the file.
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, 1).u64(1ull << 62).raw("abcdefghijklm", 13).bytes),
                          "string of 4611686018427387904 bytes at byte 24");
    Builder arr;
    arr.counts(0, 1).str("a.b").u32(9).u32(0).u64(1ull << 40).raw("xxxx", 4);
    EXPECT_ERROR_CONTAINS(parse_copy(arr.bytes), "metadata kv 0 ('a.b') has an array of 1099511627776 uint8 items");
    // An array of strings needs >= 8 bytes per item: 3 items cannot fit in 16 bytes.
    Builder strs;
    strs.counts(0, 1).str("a.b").u32(9).u32(8).u64(3).u64(0).u64(0);
    EXPECT_ERROR_CONTAINS(parse_copy(strs.bytes), "array of 3 string items");
}

TEST(GgufErrors, ValueTypes) {
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, 1).str("k.x").u32(13).u32(0).bytes),
                          "metadata kv 0 ('k.x') has unknown value type 13 at byte 35");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, 1).str("k.x").u32(9).u32(77).u64(1).u32(0).bytes),
                          "array of unknown element type 77");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, 1).str("k.b").u32(7).u8(2).bytes), "invalid bool value 2");
    parse_copy(Builder().counts(0, 1).str("k.b").u32(7).u8(1).bytes);
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, 1).str("").u32(7).u8(1).bytes), "empty key");
    EXPECT_ERROR_CONTAINS(parse_copy(Builder().counts(0, 2).kv_u32("a.b", 1).kv_str("a.b", "x").bytes, "dup.gguf"),
                          "dup.gguf: corrupt: duplicate metadata key 'a.b' (kv 1");
    // An empty array is legal (the Python writer just cannot write one).
    auto ok = Builder().counts(0, 1).str("k.e").u32(9).u32(4).u64(0).bytes;
    auto f = GGUFFile::from_memory(ok.data(), ok.size(), "e");
    EXPECT_EQ(f->get_int_array("k.e").size(), 0u);
    EXPECT_EQ(f->find("k.e")->to_string(), "[]");
}

// An array value nested `levels` deep: [[[ ... [7] ... ]]].
std::vector<uint8_t> nested_array_file(int levels) {
    Builder b;
    b.counts(0, 1).str("deep.array").u32(9);
    for (int i = 1; i < levels; ++i) b.u32(9).u64(1);
    b.u32(4).u64(1).u32(7);
    return b.bytes;
}

TEST(GgufErrors, NestingDepthIsLimited) {
    parse_copy(nested_array_file(8));
    auto deep8 = nested_array_file(8);
    auto f = GGUFFile::from_memory(deep8.data(), deep8.size(), "deep");
    EXPECT_EQ(f->find("deep.array")->to_string(), "[[[[[[[[7]]]]]]]]");
    EXPECT_ERROR_CONTAINS(parse_copy(nested_array_file(9)), "nested deeper than 8 levels");
    // Far deeper than the limit (would overflow the stack without it).
    EXPECT_ERROR_CONTAINS(parse_copy(nested_array_file(100000)), "nested deeper than 8 levels");
}

TEST(GgufErrors, Alignment) {
    auto with_alignment = [](uint32_t type, uint64_t v) {
        Builder b;
        b.counts(0, 1).str("general.alignment").u32(type);
        if (type == 4) b.u32(static_cast<uint32_t>(v)); else b.u64(v);
        return b.bytes;
    };
    EXPECT_ERROR_CONTAINS(parse_copy(with_alignment(4, 0)), "general.alignment is 0, expected a nonzero power of two");
    EXPECT_ERROR_CONTAINS(parse_copy(with_alignment(4, 48)), "general.alignment is 48");
    EXPECT_ERROR_CONTAINS(parse_copy(with_alignment(11, static_cast<uint64_t>(-64))), "general.alignment is -64");
    EXPECT_ERROR_CONTAINS(parse_copy(with_alignment(6, 0x42800000)), "general.alignment has type float32");
    auto ok = with_alignment(10, 256);
    EXPECT_EQ(GGUFFile::from_memory(ok.data(), ok.size(), "a")->alignment(), 256u);

    // Tensor offsets must be multiples of the alignment.
    Builder mis;
    mis.counts(2, 0).tensor_info("a", {4}, 0, 0).tensor_info("b", {4}, 0, 16).data(64);
    EXPECT_ERROR_CONTAINS(parse_copy(mis.bytes, "mis.gguf"),
                          "mis.gguf: corrupt: tensor info 1 ('b') has data offset 16 (at byte 82), not a multiple of the alignment 32");
}

TEST(GgufErrors, TensorInfos) {
    auto one = [](std::vector<uint64_t> ne, uint32_t type, uint64_t offset = 0, size_t data = 4096) {
        return Builder().counts(1, 0).tensor_info("blk.0.w", ne, type, offset).data(data).bytes;
    };
    EXPECT_ERROR_CONTAINS(parse_copy(one({}, 0)), "tensor info 0 ('blk.0.w') has 0 dimensions");
    EXPECT_ERROR_CONTAINS(parse_copy(one({1, 1, 1, 1, 1}, 0)), "has 5 dimensions (expected 1 to 4)");
    EXPECT_ERROR_CONTAINS(parse_copy(one({4, 0}, 0)), "has dimension 1 = 0 (must be positive");
    EXPECT_ERROR_CONTAINS(parse_copy(one({~0ull}, 0)), "has dimension 0 = 18446744073709551615");
    EXPECT_ERROR_CONTAINS(parse_copy(one({1ull << 32, 1ull << 32}, 0)), "more elements than fit in 64 bits");
    EXPECT_ERROR_CONTAINS(parse_copy(one({1ull << 62}, 0)), "byte size that overflows");
    EXPECT_ERROR_CONTAINS(parse_copy(one({4}, 200)), "tensor 'blk.0.w' (tensor info 0) has unknown ggml type 200");
    EXPECT_ERROR_CONTAINS(parse_copy(one({4}, 0xFFFFFFFFu)), "unknown ggml type 4294967295");
    EXPECT_ERROR_CONTAINS(parse_copy(one({48, 2}, 8)), "ne[0] = 48, not a multiple of the block size 32 of type Q8_0");
    parse_copy(one({64, 2}, 8));  // Q8_0: 2 rows of 2 blocks of 34 bytes
    // Data that runs past the end of the file.
    EXPECT_ERROR_CONTAINS(parse_copy(one({64, 2}, 8, 0, 100), "t.gguf"),
                          "t.gguf: truncated: the data of tensor 0 ('blk.0.w', 136 bytes at data offset 0) ends at byte 232 but the file has 196 bytes");
    EXPECT_ERROR_CONTAINS(parse_copy(one({4}, 0, 1ull << 63)), "truncated: the data of tensor 0");
    // Duplicate names.
    Builder dup;
    dup.counts(2, 0).tensor_info("x", {4}, 0, 0).tensor_info("x", {4}, 0, 32).data(64);
    EXPECT_ERROR_CONTAINS(parse_copy(dup.bytes), "duplicate tensor name 'x' (tensor info 1)");
    // Tensor infos present but the data section is cut off.
    Builder nodata;
    nodata.counts(1, 0).tensor_info("x", {4}, 0, 0);
    EXPECT_ERROR_CONTAINS(parse_copy(nodata.bytes), "the tensor data section starts at byte 64 but the file has 57 bytes");
}

TEST(GgufErrors, TruncatedTensorInfoNamesTheTensor) {
    Builder b;
    b.counts(2, 0).tensor_info("blk.0.attn_q.weight", {4}, 0, 0).str("blk.2.attn_q.weight").u32(2).u64(4);
    EXPECT_EQ(error_of([&] { parse_copy(b.bytes, "model.gguf"); }),
              "model.gguf: truncated: tensor info 1 ('blk.2.attn_q.weight') ends at byte " +
                  std::to_string(b.bytes.size() + 8) + " but the file has " + std::to_string(b.bytes.size()) + " bytes");
}

// ---------------------------------------------------------------------------
// Damaged copies of the fixture: every outcome must be a parse or a kvzip::Error.

// The file is only complete once the last tensor's data is there; the padding
// after it may be cut without harm.
size_t required_size(const json& g) {
    size_t end = g["data_offset"].get<size_t>();
    for (const json& t : g["tensors"]) end = std::max(end, g["data_offset"].get<size_t>() + t["offset"].get<size_t>() + t["nbytes"].get<size_t>());
    return end;
}

TEST(GgufCorrupt, EveryTruncationThrowsUntilComplete) {
    const std::vector<uint8_t> bytes = read_bytes(kFixture);
    const size_t required = required_size(read_json(kFixtureJson));
    ASSERT_LE(required, bytes.size());
    for (size_t n = 0; n <= bytes.size(); ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(n));
        const std::string msg = error_of([&] { parse_copy(cut, "cut.gguf"); });
        if (n < required) {
            ASSERT_NE(msg, "") << "a copy cut to " << n << " bytes parsed";
            ASSERT_EQ(msg.rfind("cut.gguf: ", 0), 0u) << msg;
        } else {
            ASSERT_EQ(msg, "") << "a copy cut to " << n << " bytes failed";
        }
    }
}

TEST(GgufCorrupt, BitFlipsParseOrThrow) {
    const std::vector<uint8_t> bytes = read_bytes(kFixture);
    const size_t header_end = read_json(kFixtureJson)["data_offset"].get<size_t>();
    std::mt19937_64 rng(12345);
    int parsed = 0, rejected = 0;
    for (int iter = 0; iter < 4000; ++iter) {
        std::vector<uint8_t> copy = bytes;
        const int flips = 1 + static_cast<int>(rng() % 4);
        for (int k = 0; k < flips; ++k) {
            // Mostly in the header/metadata/tensor infos, where the parser looks.
            const size_t limit = rng() % 8 ? header_end : copy.size();
            copy[rng() % limit] ^= static_cast<uint8_t>(1u << (rng() % 8));
        }
        const std::string msg = error_of([&] { parse_copy(copy, "flip.gguf"); });
        if (msg.empty()) {
            ++parsed;
        } else {
            ++rejected;
            ASSERT_EQ(msg.rfind("flip.gguf: ", 0), 0u) << msg;
        }
    }
    // Both outcomes must occur, or the test is not exercising anything.
    EXPECT_GT(parsed, 100);
    EXPECT_GT(rejected, 100);
}

TEST(GgufCorrupt, OverwrittenWordsParseOrThrow) {
    // Writes hostile 32/64-bit values (huge counts, lengths, types) at random
    // places of the metadata region.
    const std::vector<uint8_t> bytes = read_bytes(kFixture);
    const size_t header_end = read_json(kFixtureJson)["data_offset"].get<size_t>();
    const uint64_t values[] = {0, 1, 0xFF, 0xFFFF, 0xFFFFFFFFull, 0x7FFFFFFFFFFFFFFFull, ~0ull, 1ull << 32, 1ull << 40, 9, 13};
    std::mt19937_64 rng(777);
    for (int iter = 0; iter < 3000; ++iter) {
        std::vector<uint8_t> copy = bytes;
        const uint64_t v = values[rng() % std::size(values)];
        const size_t width = rng() % 2 ? 8 : 4;
        const size_t at = rng() % (header_end - width);
        std::memcpy(copy.data() + at, &v, width);
        const std::string msg = error_of([&] { parse_copy(copy, "word.gguf"); });
        if (!msg.empty()) {
            ASSERT_EQ(msg.rfind("word.gguf: ", 0), 0u) << msg;
        }
    }
}

// ---------------------------------------------------------------------------
// Files on disk.

TEST(GgufFile, MissingFileNamesThePath) {
    const std::string path = testing::TempDir() + "/no/such/dir/model.gguf";
    EXPECT_ERROR_CONTAINS(GGUFFile::open(path), path + ": cannot open");
}

TEST(GgufFile, TextFileIsBadMagic) {
    const std::string path = testing::TempDir() + "/kvzip_gguf_not_gguf.txt";
    std::ofstream(path) << "This is a text file, not a model.\n";
    const std::string msg = error_of([&] { GGUFFile::open(path); });
    EXPECT_EQ(msg.rfind(path + ": ", 0), 0u) << msg;
    EXPECT_NE(msg.find("bad magic"), std::string::npos) << msg;
    std::filesystem::remove(path);
}

TEST(GgufFile, EmptyFileAndDirectory) {
    const std::string path = testing::TempDir() + "/kvzip_gguf_empty.gguf";
    std::ofstream(path).close();
    EXPECT_ERROR_CONTAINS(GGUFFile::open(path), path + ": not a GGUF file");
    std::filesystem::remove(path);
    EXPECT_ERROR_CONTAINS(GGUFFile::open(testing::TempDir()), "not a regular file");
}

// ---------------------------------------------------------------------------
// The real models (fetched by scripts/fetch_models.sh).

std::string model_path(const char* file) {
    const std::string path = std::string(KVZIP_MODELS_DIR) + "/" + file;
    return std::filesystem::exists(path) ? path : "";
}

#define REQUIRE_MODEL(var, file)                                                          \
    const std::string var = model_path(file);                                              \
    if (var.empty()) {                                                                     \
        if (std::getenv("KVZIP_REQUIRE_MODELS")) FAIL() << file << " missing in " KVZIP_MODELS_DIR; \
        GTEST_SKIP() << file << " not found in " KVZIP_MODELS_DIR " (scripts/fetch_models.sh)"; \
    }

TEST(GgufModel, SmolLM2) {
    REQUIRE_MODEL(path, "SmolLM2-135M-Instruct.Q4_1.gguf");
    auto f = GGUFFile::open(path);
    EXPECT_EQ(f->version(), 3u);
    EXPECT_EQ(f->get_string("general.architecture"), "llama");
    EXPECT_EQ(f->tensors().size(), 272u);
    EXPECT_EQ(f->get_int("llama.block_count"), 30);
    EXPECT_EQ(f->get_int("llama.embedding_length"), 576);
    EXPECT_EQ(f->get_int("llama.attention.head_count_kv"), 3);
    EXPECT_FLOAT_EQ(static_cast<float>(f->get_float("llama.rope.freq_base")), 100000.0f);
    const GGUFTensor& emb = f->tensor("token_embd.weight", {576, 49152});
    EXPECT_EQ(emb.type, GGMLType::Q8_0);
    EXPECT_EQ(emb.nbytes, 49152u * 576 / 32 * 34);
    const std::vector<std::string> tokens = f->get_string_array("tokenizer.ggml.tokens");
    EXPECT_EQ(tokens.size(), 49152u);
    EXPECT_EQ(f->get_int_array("tokenizer.ggml.token_type").size(), 49152u);
    EXPECT_NE(f->find("tokenizer.ggml.tokens")->to_string().find("... (49152 items)]"), std::string::npos);
    EXPECT_FALSE(f->get_bool("tokenizer.ggml.add_bos_token", true));
    size_t q4_1 = 0;
    for (const GGUFTensor& t : f->tensors()) {
        q4_1 += t.type == GGMLType::Q4_1;
        EXPECT_LE(f->data_offset() + t.offset + t.nbytes, f->file_size()) << t.name;
    }
    EXPECT_EQ(q4_1, 210u);
}

TEST(GgufModel, Gemma3) {
    REQUIRE_MODEL(path, "gemma-3-270m-q4_k_m.gguf");
    auto f = GGUFFile::open(path);
    EXPECT_EQ(f->get_string("general.architecture"), "gemma3");
    EXPECT_EQ(f->tensors().size(), 236u);
    EXPECT_EQ(f->get_int("gemma3.block_count"), 18);
    EXPECT_EQ(f->tensor("token_embd.weight", {640, 262144}).type, GGMLType::Q8_0);
    EXPECT_EQ(f->get_string_array("tokenizer.ggml.tokens").size(), 262144u);
}

}  // namespace
}  // namespace kvzip
