# AMPHORA_SANITIZE: AddressSanitizer + UndefinedBehaviorSanitizer for everything built here
# (g++ or clang; scripts/test uses clang). The first error aborts the test.
# AMPHORA_FUZZ: the same sanitizers plus libFuzzer's coverage instrumentation (clang only);
# fuzz/CMakeLists.txt links the fuzzer executables with -fsanitize=fuzzer.
# Both also turn on libstdc++'s cheap precondition checks (operator[] bounds, front() of empty, ...).
set(AMPHORA_SANITIZER_FLAGS -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)

if(AMPHORA_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "AMPHORA_FUZZ needs clang (libFuzzer): configure with -DCMAKE_CXX_COMPILER=clang++")
  endif()
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()

if(AMPHORA_SANITIZE OR AMPHORA_FUZZ)
  add_compile_options(${AMPHORA_SANITIZER_FLAGS})
  add_link_options(-fsanitize=address,undefined)
  add_compile_definitions(_GLIBCXX_ASSERTIONS)
endif()
