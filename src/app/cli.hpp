// The `ccapi` command line: serve (default), migrate, user add|list|disable|passwd, ari-sim.
#pragma once

namespace ccapi::app {

// Returns the process exit code: 0 success, 1 runtime failure, 2 bad usage or configuration.
int runCli(int argc, char** argv);

}  // namespace ccapi::app
