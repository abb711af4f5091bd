// A fresh directory under the system temp dir for one test, deleted with its contents after.
#pragma once

#include <filesystem>
#include <string_view>

namespace ccapi::test {

// Owned by the test that made it; not thread-safe, nothing to share.
class TempDir {
public:
    // Throws std::runtime_error when the directory cannot be made (a broken test machine).
    explicit TempDir(std::string_view prefix = "ccapi-test-");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

private:
    std::filesystem::path path_;
};

}  // namespace ccapi::test
