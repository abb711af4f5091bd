// Entry point of `ccapi ari-sim`: runs the ARI simulator as a process until SIGINT/SIGTERM.
#pragma once

namespace ccapi::arisim {

// argv[0] is the program (or subcommand) name; a leading "ari-sim" argument is skipped.
// Flags: --port N (8088), --host ADDR (127.0.0.1), --answer-after-ms N (1000),
// --hangup-after-ms N (2000), --user NAME, --password PASS, --time-scale X,
// --session-limit N, --ws-write-timeout-ms N, --help. Prints one line once listening. Returns the
// exit status.
int runCli(int argc, char** argv);

}  // namespace ccapi::arisim
