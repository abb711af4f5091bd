// What each subcommand does once the command line and the settings are parsed.
#pragma once

#include <string>
#include <vector>

#include "config/settings.hpp"

namespace ccapi::app {

int serve(const config::Settings& settings);
int migrate(const config::Settings& settings);

struct UserCommand {
    std::string action;  // add | list | disable | enable | passwd
    std::string username;
    std::string email;
    std::string full_name;
    bool superuser = false;
};
// Passwords come from standard input (one line), never from argv.
int manageUsers(const config::Settings& settings, const UserCommand& command);

}  // namespace ccapi::app
