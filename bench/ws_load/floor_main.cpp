// agora-ws-floor PORT: the fan-out floor of run_ws_bench.sh (see floor_server.hpp).
#include "floor_server.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <cstdlib>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: agora-ws-floor PORT\n");
    return 2;
  }
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  r.rlim_cur = r.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &r);
  agora::bench::floor_server server(static_cast<std::uint16_t>(std::atoi(argv[1])));
  std::printf("floor peer ready on %u\n", server.port());
  std::fflush(stdout);
  server.run();
}
