# The package test: install the built csp into a scratch prefix, build the consumer project
# against it with find_package(csp CONFIG), and run the consumer.
#
#   cmake -DBUILD_DIR=<csp build> -DCONSUMER_DIR=<consumer source> -DWORK_DIR=<scratch>
#         -DGENERATOR=<generator> -DCOMPILER=<c++ compiler> [-DBUILD_TYPE=Release] -P this
foreach(v BUILD_DIR CONSUMER_DIR WORK_DIR GENERATOR COMPILER)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "package_test.cmake: -D${v}= is required")
  endif()
endforeach()
if(NOT BUILD_TYPE)
  set(BUILD_TYPE Release)
endif()

set(prefix "${WORK_DIR}/prefix")
set(consumer_build "${WORK_DIR}/consumer-build")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

function(step what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
  message(STATUS "${what}:\n${out}")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "package test: ${what} failed (${status})")
  endif()
endfunction()

step("install csp into ${prefix}"
  "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${prefix}")
if(NOT EXISTS "${prefix}/include/csp/csp/csp.hpp")
  message(FATAL_ERROR "package test: the headers are not installed under include/csp/")
endif()
step("configure the consumer"
  "${CMAKE_COMMAND}" -S "${CONSUMER_DIR}" -B "${consumer_build}" -G "${GENERATOR}"
  "-DCMAKE_CXX_COMPILER=${COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}"
  "-DCMAKE_PREFIX_PATH=${prefix}")
step("build the consumer" "${CMAKE_COMMAND}" --build "${consumer_build}")
step("run the consumer" "${consumer_build}/consumer")
step("run the consumer with a stage" "${consumer_build}/consumer_stages")
