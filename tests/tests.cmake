# Unit tests link the libraries (the same code the tool runs); CLI tests drive the binary.
# A test that cannot apply on this machine prints "SKIP: reason" and exits 77 (tests/lib.sh: skip).
foreach(t stats config report registry counters result)
  add_executable(test_${t} tests/test_${t}.c)
  target_link_libraries(test_${t} PRIVATE ipcbench_report)
  add_test(NAME unit/${t} COMMAND test_${t})
  set_tests_properties(unit/${t} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()

set(IPCB $<TARGET_FILE:ipcbench>)
add_test(NAME cli/bad-input COMMAND bash ${CMAKE_SOURCE_DIR}/tests/cli.sh ${IPCB} ${CMAKE_SOURCE_DIR})
# `ipcbench test FAMILY/*`: each benchmark's check (does the mechanism work)
foreach(family modeswitch lock handoff lock-contended msg batch pkey fault)
  add_test(NAME check/${family} COMMAND ${IPCB} test "${family}/*")
endforeach()
add_test(NAME e2e/run-and-validate COMMAND bash ${CMAKE_SOURCE_DIR}/tests/e2e.sh ${IPCB} ${CMAKE_SOURCE_DIR})
add_test(NAME e2e/interrupt COMMAND bash ${CMAKE_SOURCE_DIR}/tests/interrupt.sh ${IPCB})
add_test(NAME e2e/smoke-every-benchmark COMMAND bash ${CMAKE_SOURCE_DIR}/tests/smoke.sh ${IPCB} ${CMAKE_SOURCE_DIR})
set_tests_properties(cli/bad-input e2e/run-and-validate e2e/interrupt e2e/smoke-every-benchmark
  PROPERTIES SKIP_RETURN_CODE 77)

# tests/family-*.sh: a family's own end-to-end tests, called with the binary and the source dir
file(GLOB FAMILY_TESTS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/family-*.sh)
foreach(t ${FAMILY_TESTS})
  get_filename_component(name ${t} NAME_WE)
  add_test(NAME ${name} COMMAND bash ${t} ${IPCB} ${CMAKE_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES SKIP_RETURN_CODE 77)
endforeach()
set_tests_properties(family-fleet PROPERTIES SKIP_RETURN_CODE 77 TIMEOUT 300)

# the kernel module in a qemu guest: build, insmod, checks, fuzz, a short run, dmesg, rmmod
add_test(NAME vm/kmod COMMAND bash ${CMAKE_SOURCE_DIR}/kmod/vmtest/vmtest.sh)
set_tests_properties(vm/kmod PROPERTIES TIMEOUT 900 ENVIRONMENT "VMTEST_OUT=${CMAKE_BINARY_DIR}/vmtest")
