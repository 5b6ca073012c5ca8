#pragma once
// One exception type for every error a user can cause (bad file, bad flag,
// unsupported model). The CLI catches it, prints what() on one line and exits 1.
#include <stdexcept>
#include <string>

namespace kvzip {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace kvzip
