# The projections benchmark (included by bench/CMakeLists.txt or a private build).
# Apply rate of a 1,000,000-event mixed log and search queries/s on 10,000 products.
add_executable(agora-projections-bench ${CMAKE_CURRENT_LIST_DIR}/projections_bench.cpp)
target_link_libraries(agora-projections-bench PRIVATE agora::projections agora::eventstore
  agora::domain Threads::Threads)
agora_target_defaults(agora-projections-bench)
agora_link_allocator(agora-projections-bench)
