# The outbox relay benchmark (bench/run_relay_bench.sh drives it).
add_executable(agora-relay-bench ${CMAKE_CURRENT_LIST_DIR}/relay_bench.cpp)
target_link_libraries(agora-relay-bench PRIVATE agora::bus agora::eventstore Threads::Threads)
agora_target_defaults(agora-relay-bench)
agora_link_allocator(agora-relay-bench)
