// libFuzzer target for the GGUF reader: any input must either parse or throw
// kvzip::Error; crashes, out-of-bounds reads (ASan), undefined behaviour
// (UBSan) and huge allocations (-rss_limit_mb / -malloc_limit_mb) are bugs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "io/gguf.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto f = kvzip::GGUFFile::from_memory(data, size, "fuzz.gguf");
        // Use what a parsed file promises: every value renders, every getter
        // either converts or throws, and every tensor's bytes are readable.
        for (const auto& [key, value] : f->metadata()) {
            (void)value.to_string();
            try { (void)f->get_int(key); } catch (const kvzip::Error&) {}
            try { (void)f->get_float(key); } catch (const kvzip::Error&) {}
            try { (void)f->get_string_array(key); } catch (const kvzip::Error&) {}
        }
        volatile uint8_t sink = 0;
        for (const kvzip::GGUFTensor& t : f->tensors()) {
            sink = sink ^ t.data[0] ^ t.data[t.nbytes - 1];
            (void)t.n_elements();
            (void)t.rows();
        }
    } catch (const kvzip::Error&) {
        // Rejected input: the expected outcome for most mutations.
    }
    return 0;
}
