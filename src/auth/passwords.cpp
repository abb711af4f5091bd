#include "auth/passwords.hpp"

#include <crypt.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "auth/errors.hpp"

namespace ccapi::auth {
namespace {

bool isBcrypt(std::string_view hash) {
    // "$2b$12$" + 22 salt characters + 31 hash characters.
    if (hash.size() != 60) return false;
    if (!(hash.starts_with("$2a$") || hash.starts_with("$2b$") || hash.starts_with("$2y$"))) {
        return false;
    }
    return hash[6] == '$' && hash[4] >= '0' && hash[4] <= '3' && hash[5] >= '0' && hash[5] <= '9';
}

int bcryptCost(std::string_view hash) { return (hash[4] - '0') * 10 + (hash[5] - '0'); }

// crypt_r with a heap-allocated crypt_data (~32 KiB: too big for coroutine stacks). Returns the
// output, or empty on failure (libxcrypt returns a "*0"/"*1" failure token or null).
std::string cryptOnce(const std::string& password, const std::string& setting) {
    auto data = std::make_unique<crypt_data>();  // value-initialised: data->initialized == 0
    const char* out = crypt_r(password.c_str(), setting.c_str(), data.get());
    std::string result = (out && out[0] != '*') ? std::string(out) : std::string();
    OPENSSL_cleanse(data.get(), sizeof(crypt_data));
    return result;
}

}  // namespace

PasswordHasher::PasswordHasher(int cost) : cost_(std::clamp(cost, kMinCost, kMaxCost)) {}

Result<std::string> PasswordHasher::hash(std::string_view password) const {
    if (password.find('\0') != std::string_view::npos) return AuthErrc::kHashFailed;
    char setting[CRYPT_GENSALT_OUTPUT_SIZE];
    // nullptr random bytes: libxcrypt reads them from the kernel (getrandom).
    if (!crypt_gensalt_rn("$2b$", static_cast<unsigned long>(cost_), nullptr, 0, setting,
                          sizeof setting)) {
        return AuthErrc::kHashFailed;
    }
    std::string out = cryptOnce(std::string(password), setting);
    if (!isBcrypt(out)) return AuthErrc::kHashFailed;
    return out;
}

bool PasswordHasher::verify(std::string_view password, std::string_view hash) const {
    if (!isBcrypt(hash) || password.find('\0') != std::string_view::npos) {
        dummyVerify(password);
        return false;
    }
    std::string computed = cryptOnce(std::string(password), std::string(hash));
    if (computed.size() != hash.size()) return false;
    return CRYPTO_memcmp(computed.data(), hash.data(), hash.size()) == 0;
}

void PasswordHasher::dummyVerify(std::string_view password) const {
    // Any well-formed setting of the same cost costs the same; the result is thrown away.
    char setting[32];
    std::snprintf(setting, sizeof setting, "$2b$%02d$CCCCCCCCCCCCCCCCCCCCC.", cost_);
    std::string pw(password.substr(0, std::min<std::size_t>(password.find('\0'), 72)));
    volatile std::size_t sink = cryptOnce(pw, setting).size();
    (void)sink;
}

bool PasswordHasher::needsRehash(std::string_view hash) const {
    return !isBcrypt(hash) || !hash.starts_with("$2b$") || bcryptCost(hash) < cost_;
}

}  // namespace ccapi::auth
