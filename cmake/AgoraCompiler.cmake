# Compiler launcher, warnings and sanitizers for the project's own targets.

find_program(AGORA_CCACHE ccache)
if(AGORA_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${AGORA_CCACHE})
endif()

set(AGORA_SANITIZE "" CACHE STRING "Sanitizers to build with, e.g. address,undefined")

# agora_target_defaults(<target>): warnings (the project's code is warning-free),
# and sanitizers when AGORA_SANITIZE is set. Applied to every target we own, never
# to third-party code.
function(agora_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
    -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
    -Wnull-dereference -Wimplicit-fallthrough)
  if(AGORA_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(AGORA_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=${AGORA_SANITIZE} -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=${AGORA_SANITIZE})
  endif()
endfunction()
