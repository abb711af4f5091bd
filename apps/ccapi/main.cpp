// The `ccapi` executable: the service, its administration commands and the ARI simulator.
#include "app/cli.hpp"

int main(int argc, char** argv) { return ccapi::app::runCli(argc, argv); }
