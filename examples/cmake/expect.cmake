# ctest helper: runs COMMAND (a list) and passes only if it exits 0 and its output matches
# the regular expression EXPECT.
#   cmake "-DCOMMAND=prog;arg1;arg2" "-DEXPECT=regex" -P expect.cmake
execute_process(COMMAND ${COMMAND} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
message("${out}${err}")
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "exit status ${rc}, expected 0")
endif()
if(NOT "${out}${err}" MATCHES "${EXPECT}")
  message(FATAL_ERROR "the output does not match '${EXPECT}'")
endif()
