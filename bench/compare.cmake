# bench/compare.cpp, the comparative benchmark (issue #3; run it with bench/compare): our codec
# beside simdjson (libsimdjson-dev) and librtmp (librtmp-dev). Built only with
# -DAMPHORA_BENCH_COMPARE=ON, so that neither CI nor a plain build needs the peers' packages.
find_package(PkgConfig REQUIRED)
pkg_check_modules(AMPHORA_PEERS REQUIRED IMPORTED_TARGET simdjson librtmp)

add_executable(compare compare.cpp)
target_link_libraries(compare PRIVATE amphora::amf PkgConfig::AMPHORA_PEERS)
target_compile_definitions(compare PRIVATE AMPHORA_PAYLOAD_DIR="${CMAKE_SOURCE_DIR}/../shared/payloads")
amphora_warnings(compare)
