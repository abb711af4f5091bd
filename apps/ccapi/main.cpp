#include <cstdio>
int main() { std::puts("ccapi"); return 0; }
