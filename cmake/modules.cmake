# ccapi_module(NAME x SOURCES ... DEPS ...): one static library per module under src/<x>.
# Only the listed DEPS are linked, so an include that crosses the architecture fails to link.
function(ccapi_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;DEPS" ${ARGN})
  add_library(ccapi_${M_NAME} STATIC ${M_SOURCES})
  add_library(ccapi::${M_NAME} ALIAS ccapi_${M_NAME})
  target_include_directories(ccapi_${M_NAME} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(ccapi_${M_NAME} PUBLIC ${M_DEPS} PRIVATE ccapi_warnings)
endfunction()

# ccapi_test(NAME x SOURCES ... DEPS ... LABELS ...): one GoogleTest binary, one CTest entry.
# Tests run per binary (not per case) so a binary-wide fixture such as a PostgreSQL server
# starts once.
function(ccapi_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_include_directories(${T_NAME} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${T_NAME} PRIVATE ${T_DEPS} GTest::gtest GTest::gmock GTest::gtest_main ccapi_warnings)
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 600)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} --gtest_brief=1)
  set(env "CCAPI_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  if(TARGET ccapi)
    list(APPEND env "CCAPI_BINARY=$<TARGET_FILE:ccapi>")
    add_dependencies(${T_NAME} ccapi)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT}
    ENVIRONMENT "${env}")
endfunction()
