# Warnings for our own targets only (never for third-party code).
function(amphora_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
    -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
  if(AMPHORA_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
