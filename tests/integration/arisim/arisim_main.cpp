// Runs the ARI simulator as a process (`arisim_cli --port N`) until `ccapi ari-sim` exists.
#include "arisim/cli.hpp"

int main(int argc, char** argv) { return ccapi::arisim::runCli(argc, argv); }
