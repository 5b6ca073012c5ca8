// libFuzzer target for the safetensors reader: any input must either parse or
// throw kvzip::Error; crashes, out-of-bounds reads (ASan), undefined behaviour
// (UBSan) and huge allocations are bugs.
#include <cstddef>
#include <cstdint>

#include "io/safetensors.h"
#include "util/error.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto f = kvzip::SafetensorsFile::from_memory(data, size, "fuzz.safetensors");
        // Every tensor a parsed file promises must be readable end to end.
        volatile uint8_t sink = 0;
        for (const kvzip::SafetensorsTensor& t : f->tensors())
            if (t.nbytes) sink = sink ^ t.data[0] ^ t.data[t.nbytes - 1];
    } catch (const kvzip::Error&) {
        // Rejected input: the expected outcome for most mutations.
    }
    return 0;
}
