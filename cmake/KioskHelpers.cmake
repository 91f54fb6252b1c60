# Sanitizer reports name their frames with llvm-symbolizer (package llvm).
# The LeakSanitizer suppressions (tests/**/lsan.supp) match library objects
# and do not need it, so a machine without it still passes; when it is found
# its path is given to every test (ASAN_SYMBOLIZER_PATH) so reports are read
# the same way everywhere.
if(KIOSK_SANITIZE OR KIOSK_FUZZ)
  find_program(KIOSK_LLVM_SYMBOLIZER NAMES llvm-symbolizer llvm-symbolizer-14 llvm-symbolizer-15)
  if(NOT KIOSK_LLVM_SYMBOLIZER)
    message(WARNING "llvm-symbolizer not found (Debian package llvm, deploy/install-deps.sh): "
      "sanitizer reports will show addresses only; leak suppressions still match by library")
  endif()
endif()

# kiosk_sanitizer_env(test): gives the test ASAN_SYMBOLIZER_PATH when known.
function(kiosk_sanitizer_env name)
  if(KIOSK_LLVM_SYMBOLIZER)
    set_property(TEST ${name} APPEND PROPERTY ENVIRONMENT_MODIFICATION
      "ASAN_SYMBOLIZER_PATH=set:${KIOSK_LLVM_SYMBOLIZER}")
  endif()
endfunction()

# kiosk_add_test(NAME name SOURCES a.c ... LIBS lib ... [LABELS l ...] [ARGS ...] [TIMEOUT s])
# One test executable registered with CTest. Names say what is tested
# (outbox_push_survives_kill, search_finds_flfw...).
function(kiosk_add_test)
  cmake_parse_arguments(T "" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS;ARGS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  add_test(NAME ${T_NAME} COMMAND ${T_NAME} ${T_ARGS})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${T_NAME} PROPERTIES TIMEOUT ${T_TIMEOUT} LABELS "${T_LABELS}")
  kiosk_sanitizer_env(${T_NAME})
endfunction()

# kiosk_add_fuzzer(NAME name SOURCES fuzz.c ... LIBS lib ... CORPUS dir [SECONDS n])
# The source defines LLVMFuzzerTestOneInput. With KIOSK_FUZZ=ON (clang) it is a
# libFuzzer binary and the test fuzzes for SECONDS (default 20) from a copy of
# the committed seed corpus. Otherwise it is linked with a small driver that
# replays every file of the corpus once, so the gcc and sanitizer builds still
# run the seeds.
function(kiosk_add_fuzzer)
  cmake_parse_arguments(F "" "NAME;CORPUS;SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT F_SECONDS)
    set(F_SECONDS 20)
  endif()
  if(KIOSK_FUZZ)
    add_executable(${F_NAME} ${F_SOURCES})
    target_compile_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_options(${F_NAME} PRIVATE -fsanitize=fuzzer)
    target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
    set(work ${CMAKE_CURRENT_BINARY_DIR}/${F_NAME}_corpus)
    add_test(NAME ${F_NAME}
      COMMAND ${CMAKE_COMMAND} -E env ASAN_OPTIONS=detect_leaks=1
        sh -c "rm -rf '${work}' && mkdir -p '${work}' && cp -r '${F_CORPUS}'/. '${work}'/ && '$<TARGET_FILE:${F_NAME}>' -max_total_time=${F_SECONDS} -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 '${work}' '${F_CORPUS}'")
    math(EXPR to "${F_SECONDS} + 120")
    set_tests_properties(${F_NAME} PROPERTIES TIMEOUT ${to} LABELS fuzz)
    kiosk_sanitizer_env(${F_NAME})
  else()
    add_executable(${F_NAME} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz_replay.c)
    target_link_libraries(${F_NAME} PRIVATE ${F_LIBS})
    add_test(NAME ${F_NAME} COMMAND ${F_NAME} ${F_CORPUS})
    set_tests_properties(${F_NAME} PROPERTIES TIMEOUT 300 LABELS fuzz_replay)
    kiosk_sanitizer_env(${F_NAME})
  endif()
endfunction()
