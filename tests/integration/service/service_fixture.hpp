// Integration fixture: the real `ccapi` binary over loopback HTTP, on SQLite or on a real
// PostgreSQL 15 started by the harness (the test parameter says which).
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fakes/http/http_client.hpp"
#include "fakes/http/service_process.hpp"
#include "support/temp_dir.hpp"

namespace ccapi::itest {

// A strong SECRET_KEY, so the service starts outside debug mode as in production.
inline constexpr const char* kSecret = "test-signing-key-0123456789abcdefghijklmnopqrstuvwxyz";

struct CliResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs `ccapi args…` to completion with `input` on standard input.
CliResult runCli(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env, const std::string& input = "",
                 const std::string& cwd = "");

class ServiceTest : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override;

    bool postgres() const { return GetParam() == "postgresql"; }
    // DATABASE_URL (a fresh database per test), SECRET_KEY, AUTO_MIGRATE, generous limits.
    std::map<std::string, std::string> baseEnv() const { return env_; }
    // Starts the service with baseEnv() + extra; fails the test if it does not come up.
    testhttp::ServiceProcess& start(std::map<std::string, std::string> extra = {},
                                    std::vector<std::string> args = {"serve"});
    testhttp::ServiceProcess& service() { return *service_; }
    testhttp::HttpClient client() { return service_->client(); }

    // `ccapi user add` through the CLI, password on stdin.
    void addUser(const std::string& name, const std::string& password, bool superuser = false);
    CliResult cli(const std::vector<std::string>& args, const std::string& input = "");
    // POST /api/v2/token; returns the JSON body (asserts 200).
    boost::json::object login(const std::string& name, const std::string& password);

    std::unique_ptr<test::TempDir> dir_;
    std::map<std::string, std::string> env_;
    std::unique_ptr<testhttp::ServiceProcess> service_;
};

std::string backendName(const ::testing::TestParamInfo<std::string>& info);

}  // namespace ccapi::itest
