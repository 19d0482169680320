# Unit tests link ipcbench_core (the same code the tool runs); CLI tests drive the binary.
foreach(t stats config report registry)
  add_executable(test_${t} tests/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE ipcbench_core)
  add_test(NAME unit/${t} COMMAND test_${t})
endforeach()

set(IPCB $<TARGET_FILE:ipcbench>)
add_test(NAME cli/bad-input COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli.sh ${IPCB} ${CMAKE_SOURCE_DIR})
add_test(NAME check/modeswitch COMMAND ${IPCB} test "modeswitch/*")
add_test(NAME check/lock COMMAND ${IPCB} test "lock/*")
add_test(NAME e2e/run-and-validate COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e.sh ${IPCB} ${CMAKE_SOURCE_DIR})
add_test(NAME e2e/interrupt COMMAND bash ${CMAKE_SOURCE_DIR}/tests/interrupt.sh ${IPCB})
add_test(NAME e2e/smoke-every-benchmark COMMAND bash ${CMAKE_SOURCE_DIR}/tests/smoke.sh ${IPCB} ${CMAKE_SOURCE_DIR})
