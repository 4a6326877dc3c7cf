# The history generator (issue 15), included by bench/CMakeLists.txt: a shop's
# years of history written into an event store, for benchmarks of a node with
# a long past. The plan and the writer are a library so that tests/bench can
# check them.
add_library(agora_history_gen_lib STATIC
  ${CMAKE_CURRENT_LIST_DIR}/history_plan.cpp
  ${CMAKE_CURRENT_LIST_DIR}/history_writer.cpp)
target_include_directories(agora_history_gen_lib PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(agora_history_gen_lib PUBLIC agora::eventstore agora::domain Threads::Threads)
agora_target_defaults(agora_history_gen_lib)

add_executable(agora-history-gen ${CMAKE_CURRENT_LIST_DIR}/main.cpp)
target_link_libraries(agora-history-gen PRIVATE agora_history_gen_lib agora::http)
agora_target_defaults(agora-history-gen)
agora_link_allocator(agora-history-gen)
