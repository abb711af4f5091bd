# Every third-party library comes from a Debian 12 package (scripts/install-deps.sh).
find_package(Boost 1.81 REQUIRED COMPONENTS json url system)
find_package(OpenSSL 3 REQUIRED)
find_package(Threads REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
find_library(CRYPT_LIBRARY crypt REQUIRED)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)

# Asio and Beast are compiled once (src/core/asio_impl.cpp) instead of in every translation unit.
# Each I/O thread keeps up to 16 freed coroutine frames (and handler blocks) of each kind for
# reuse instead of Asio's 2: a request runs several nested coroutines, and with 2 slots most of
# their frames went to malloc. It changes a structure's layout, so it is set for every target.
add_compile_definitions(
  BOOST_ASIO_SEPARATE_COMPILATION
  BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED
  BOOST_ASIO_DISABLE_BOOST_COROUTINE
  BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=16)
