# csp_add_executable(name SOURCES file...): a program whose stages (networks/stages.hpp) can run
# on a GPU. With the cuda backend built (CSP_HAVE_CUDA), its sources are compiled by nvcc as
# CUDA C++20, so the stages' kernels are compiled into it; otherwise by the C++ compiler, and
# the same program runs its stages on the host. Either way it links csp::csp. The graph code
# never changes; the functors a stage calls are marked CSP_HOST_DEVICE (csp/device.hpp).
#
#   find_package(csp CONFIG REQUIRED)      # or add_subdirectory(csp)
#   csp_add_executable(mandel SOURCES mandel.cpp)
#   target_link_libraries(mandel PRIVATE fmt::fmt)    # anything else, as for add_executable
#
# nvcc flags: --extended-lambda (a lambda marked CSP_HOST_DEVICE may be a stage's function),
# --expt-relaxed-constexpr (constexpr functions such as std::plus's call operator may be called
# on the device), and warning 1835 off (an attribute of csp's thread-local variables that
# nvcc's front end does not know, and that the host compiler applies).
function(csp_add_executable name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "csp_add_executable(${name}): give the program's sources after SOURCES")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "csp_add_executable(${name}): unexpected arguments ${arg_UNPARSED_ARGUMENTS}; "
                        "usage: csp_add_executable(name SOURCES file...)")
  endif()
  add_executable(${name} ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE csp::csp)
  if(CSP_HAVE_CUDA)
    set_source_files_properties(${arg_SOURCES} PROPERTIES LANGUAGE CUDA)
    target_compile_options(${name} PRIVATE
      $<$<COMPILE_LANGUAGE:CUDA>:--extended-lambda --expt-relaxed-constexpr -diag-suppress=1835>)
  endif()
endfunction()
