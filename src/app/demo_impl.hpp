// Template part of demo.hpp.
#pragma once

#include "core/ids.hpp"

namespace ccapi::app {

template <class HashFn>
Result<std::optional<BootstrapAdmin>> ensureBootstrapAdmin(storage::UserStore& users, HashFn hash) {
    auto count = users.count();
    if (!count) return count.error();
    if (*count > 0) return std::optional<BootstrapAdmin>{};
    BootstrapAdmin admin{"admin", randomToken(20)};
    storage::NewUser user{admin.username, "admin@localhost", "Bootstrap administrator",
                          hash(admin.password), true};
    auto created = users.create(user);
    if (!created) return created.error();
    return std::optional<BootstrapAdmin>{std::move(admin)};
}

}  // namespace ccapi::app
