# The WebSocket fan-out load generator (bench/run_ws_bench.sh drives it). It
# depends on nothing of Agora's: the same client measures agorad and the peers.
add_executable(agora-ws-load
  ${CMAKE_CURRENT_LIST_DIR}/main.cpp
  ${CMAKE_CURRENT_LIST_DIR}/client_pool.cpp
  ${CMAKE_CURRENT_LIST_DIR}/broadcaster.cpp)
target_link_libraries(agora-ws-load PRIVATE Threads::Threads)
agora_target_defaults(agora-ws-load)

# The floor the servers are compared with: one send() per client per message,
# nothing else (not a server to use: see the file's head).
add_executable(agora-ws-floor ${CMAKE_CURRENT_LIST_DIR}/floor_server.cpp)
agora_target_defaults(agora-ws-floor)
