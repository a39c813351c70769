# Warnings for our own targets only (never for third-party code); AMPHORA_WERROR makes them errors
# (CI always does).
#
# Two GCC 12 warnings are left to clang: GCC's -Wnull-dereference is path-sensitive and fires on
# every arena builder result (nullptr when the arena refuses memory) that inlined code uses without
# a check GCC can see, and -Wrestrict has known false positives inside libstdc++'s std::string at
# -O2/-O3 (GCC bugs 105329, 105651). ASan/UBSan and the fuzzers catch the real cases.
function(amphora_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-restrict)
  else()
    target_compile_options(${target} PRIVATE -Wnull-dereference)
  endif()
  if(AMPHORA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
