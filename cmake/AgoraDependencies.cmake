# Third-party dependencies, all from Debian bookworm packages
# (deploy/install-deps.sh installs them). Headers are marked SYSTEM so their
# warnings do not drown ours.

set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)

find_package(RocksDB CONFIG REQUIRED)   # RocksDB::rocksdb-shared
find_package(simdjson CONFIG REQUIRED)  # simdjson::simdjson
find_package(spdlog CONFIG REQUIRED)    # spdlog::spdlog (pulls fmt::fmt)
find_package(Boost 1.74 REQUIRED)       # Boost::headers (Beast, Asio)
find_package(PkgConfig REQUIRED)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka++ rdkafka)
# E-mail normalisation (actors/domain): IDNA2008 / UTS #46 for domains
# (libidn2-dev), NFKC, case folding and scripts for local parts
# (libunistring-dev, which ships no pkg-config file).
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
find_path(UNISTRING_INCLUDE_DIR uninorm.h REQUIRED)
find_library(UNISTRING_LIB unistring REQUIRED)
if(NOT TARGET Unistring::unistring)
  add_library(Unistring::unistring UNKNOWN IMPORTED)
  set_target_properties(Unistring::unistring PROPERTIES IMPORTED_LOCATION ${UNISTRING_LIB}
    INTERFACE_INCLUDE_DIRECTORIES ${UNISTRING_INCLUDE_DIR})
endif()

# libcaf-dev ships no CMake config: declare imported targets by hand.
find_path(CAF_INCLUDE_DIR caf/all.hpp REQUIRED)
find_library(CAF_CORE_LIB caf_core REQUIRED)
find_library(CAF_IO_LIB caf_io REQUIRED)
if(NOT TARGET CAF::core)
  add_library(CAF::core UNKNOWN IMPORTED)
  set_target_properties(CAF::core PROPERTIES IMPORTED_LOCATION ${CAF_CORE_LIB}
    INTERFACE_INCLUDE_DIRECTORIES ${CAF_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES Threads::Threads)
  add_library(CAF::io UNKNOWN IMPORTED)
  set_target_properties(CAF::io PROPERTIES IMPORTED_LOCATION ${CAF_IO_LIB}
    INTERFACE_LINK_LIBRARIES CAF::core)
endif()

# The allocator agorad and the benchmarks link. jemalloc by default, as RocksDB
# recommends: the relay, the HTTP path and the actors allocate many small,
# short-lived objects across threads, where glibc malloc spends its time
# consolidating (perf: 20-30% of the relay's CPU). Sanitizer builds keep the
# system allocator, which the sanitizers replace.
set(AGORA_ALLOCATOR "jemalloc" CACHE STRING "Allocator for executables: jemalloc or system")
set_property(CACHE AGORA_ALLOCATOR PROPERTY STRINGS jemalloc system)
if(AGORA_SANITIZE)
  set(AGORA_ALLOCATOR_EFFECTIVE system)
else()
  set(AGORA_ALLOCATOR_EFFECTIVE ${AGORA_ALLOCATOR})
endif()
if(AGORA_ALLOCATOR_EFFECTIVE STREQUAL "jemalloc")
  find_library(AGORA_JEMALLOC_LIB jemalloc REQUIRED)  # libjemalloc-dev
elseif(NOT AGORA_ALLOCATOR_EFFECTIVE STREQUAL "system")
  message(FATAL_ERROR "AGORA_ALLOCATOR must be jemalloc or system, not '${AGORA_ALLOCATOR}'")
endif()

# agora_link_allocator(<executable>): links the chosen allocator, which then
# serves every malloc/new of the process (RocksDB's and librdkafka's too).
function(agora_link_allocator target)
  if(AGORA_ALLOCATOR_EFFECTIVE STREQUAL "jemalloc")
    target_link_libraries(${target} PRIVATE ${AGORA_JEMALLOC_LIB})
  endif()
endfunction()

if(AGORA_BUILD_TESTS)
  find_package(GTest CONFIG REQUIRED)   # GTest::gtest, GTest::gtest_main, GTest::gmock
  include(GoogleTest)
endif()
if(AGORA_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
