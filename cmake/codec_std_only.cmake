# The codec (amphora_amf) may use nothing but the C++ standard library. Three cheap checks:
#  1. configure: amphora_amf has no link dependencies in CMake;
#  2. build: amphora_std_only_check links *every* object of the codec archive (--whole-archive)
#     with only the compiler's default libraries (not amphora_amf's CMake dependencies), so a symbol
#     from any other library is an undefined reference and the build fails;
#  3. ctest `codec_std_only` (label codec, builds without sanitizers): that binary needs no shared
#     library but the C/C++ runtime, and the codec's sources include only standard headers and
#     their own (cmake/check_std_only.cmake).
# Call amphora_check_codec_std_only() at the end of the top-level CMakeLists.txt.
function(amphora_check_codec_std_only)
  foreach(property LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(deps amphora_amf ${property})
    if(deps)
      message(FATAL_ERROR "amphora_amf must depend on nothing but the standard library; ${property}: ${deps}")
    endif()
  endforeach()

  get_target_property(type amphora_amf TYPE)
  if(NOT type STREQUAL "STATIC_LIBRARY" OR AMPHORA_FUZZ)
    return()
  endif()
  set(main ${CMAKE_BINARY_DIR}/std_only_check_main.cpp)
  file(CONFIGURE OUTPUT ${main} CONTENT "int main() { return 0; }\n")
  add_executable(amphora_std_only_check ${main})
  add_dependencies(amphora_std_only_check amphora_amf)
  target_link_libraries(amphora_std_only_check PRIVATE
    -Wl,--whole-archive $<TARGET_FILE:amphora_amf> -Wl,--no-whole-archive)

  if(AMPHORA_TESTS AND NOT AMPHORA_SANITIZE)
    add_test(NAME codec_std_only
      COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:amphora_std_only_check>
              -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/check_std_only.cmake)
    set_tests_properties(codec_std_only PROPERTIES LABELS codec)
  endif()
endfunction()
