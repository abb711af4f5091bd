// Demo mode (`ccapi serve --demo`, what `make run` starts): a data folder, a generated secret
// kept there, and a bootstrap admin whose password is printed once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "core/result.hpp"
#include "storage/stores.hpp"

namespace ccapi::app {

// Reads `<dir>/secret_key`, creating it (mode 0600, 64 random characters) on first use.
Result<std::string> loadOrCreateSecret(const std::filesystem::path& dir);

struct BootstrapAdmin {
    std::string username;
    std::string password;  // shown once, never stored in clear
};

// Creates `admin` with a random password when the store has no user at all.
// `hash` turns a password into a bcrypt hash (blocking; called at start-up only).
template <class HashFn>
Result<std::optional<BootstrapAdmin>> ensureBootstrapAdmin(storage::UserStore& users, HashFn hash);

}  // namespace ccapi::app

#include "app/demo_impl.hpp"
