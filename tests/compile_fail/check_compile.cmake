# Compiles one compile_fail case: cmake -DCOMPILER=... -DINCLUDE_DIR=... -DSOURCE=... -P this.
#
# A case carries one line `// expect: REGEX`: the compile must fail and its diagnostics match
# REGEX (so that a typo or a missing header does not pass for the misuse it rejects). A case
# with `// expect: compiles` is a control: it must compile.
file(STRINGS "${SOURCE}" expect_line REGEX "^// expect: ")
if(NOT expect_line)
  message(FATAL_ERROR "${SOURCE}: no '// expect: ' line")
endif()
string(REGEX REPLACE "^// expect: " "" expect "${expect_line}")

execute_process(
  COMMAND "${COMPILER}" -std=c++20 -fsyntax-only -I "${INCLUDE_DIR}" "${SOURCE}"
  RESULT_VARIABLE status
  OUTPUT_VARIABLE out
  ERROR_VARIABLE out)

if(expect STREQUAL "compiles")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "control case failed to compile:\n${out}")
  endif()
  message(STATUS "compiles, as it must")
  return()
endif()
if(status EQUAL 0)
  message(FATAL_ERROR "${SOURCE} compiled, but it must not")
endif()
if(NOT out MATCHES "${expect}")
  message(FATAL_ERROR "${SOURCE} failed to compile, but not with a diagnostic matching '${expect}':\n${out}")
endif()
message(STATUS "rejected, with a diagnostic matching '${expect}'")
