# Project-wide warnings and optional sanitizers (-DCCAPI_SANITIZE=address,undefined).
add_library(ccapi_warnings INTERFACE)
target_compile_options(ccapi_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-unused-parameter)

set(CCAPI_SANITIZE "" CACHE STRING "Comma-separated sanitizers to enable")
if(CCAPI_SANITIZE)
  add_compile_options(-fsanitize=${CCAPI_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${CCAPI_SANITIZE})
endif()
