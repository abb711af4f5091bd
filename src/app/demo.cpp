#include "app/demo.hpp"

#include <sys/stat.h>

#include <fstream>

#include "core/ids.hpp"

namespace ccapi::app {

Result<std::string> loadOrCreateSecret(const std::filesystem::path& dir) {
    std::error_code fs_error;
    std::filesystem::create_directories(dir, fs_error);
    if (fs_error) return ErrorCode(fs_error.value(), boost::system::system_category());
    auto path = dir / "secret_key";
    if (std::ifstream in(path); in) {
        std::string secret;
        std::getline(in, secret);
        if (secret.size() >= 32) return secret;
    }
    std::string secret = randomToken(64);
    {
        std::ofstream out(path, std::ios::trunc);
        if (!out) return ErrorCode(errno, boost::system::system_category());
        out << secret << "\n";
    }
    ::chmod(path.c_str(), 0600);
    return secret;
}

}  // namespace ccapi::app
