# The WebSocket fan-out load generator (bench/run_ws_bench.sh drives it) and the
# floor it compares servers with. They depend on nothing of Agora's: the same
# client measures agorad and the peers.
add_library(agora_ws_load_core STATIC
  ${CMAKE_CURRENT_LIST_DIR}/client_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/broadcaster.cpp
  ${CMAKE_CURRENT_LIST_DIR}/floor_server.cpp)
target_include_directories(agora_ws_load_core PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(agora_ws_load_core PUBLIC Threads::Threads)
agora_target_defaults(agora_ws_load_core)

add_executable(agora-ws-load ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(agora-ws-load PRIVATE agora_ws_load_core)
agora_target_defaults(agora-ws-load)

# The floor: one send() per client per message, nothing else (not a server to
# use: see floor_server.hpp).
add_executable(agora-ws-floor ${CMAKE_CURRENT_LIST_DIR}/floor_main.cpp)
target_link_libraries(agora-ws-floor PRIVATE agora_ws_load_core)
agora_target_defaults(agora-ws-floor)

if(AGORA_BUILD_TESTS)
  # The generator's own checks: its tag parsing, its percentiles, and its
  # counts against the floor server over real sockets.
  agora_add_test(ws_load_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/ws_load_test.cpp LIBS agora_ws_load_core)
endif()
