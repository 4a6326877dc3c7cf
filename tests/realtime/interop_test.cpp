// Interop: a WebSocket client not written here (Debian's python3-websockets,
// tests/realtime/interop_client.py) subscribes to a real node's feed and
// receives a broadcast an admin posts.

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/node.hpp"
#include "common/config.hpp"
#include "tests/api/test_node.hpp"
#include "tests/http/test_client.hpp"
#include "tests/support/temp_dir.hpp"

namespace agora {
namespace {

TEST(RealtimeInterop, APythonWebsocketsClientReceivesABroadcast) {
  ::setenv("AGORA_ADMIN_EMAIL", "admin@shop.test", 1);
  ::setenv("AGORA_ADMIN_PASSWORD", "admin-password", 1);
  testing::temp_dir dir;
  config cfg;
  testing::configure_test_node(cfg, dir.sub("store"));
  auto n = node::start(cfg);
  ASSERT_TRUE(n) << n.error();
  testing::http_client client((*n)->http_port());
  auto login = client.request("POST", "/api/auth/login", R"({"email":"admin@shop.test","password":"admin-password"})");
  ASSERT_EQ(login.status, 200);
  const std::string admin = testing::json_str(login.body, "token");

  const std::string check = std::string(AGORA_SYSTEM_PYTHON3) + " -c 'import websockets' 2>/dev/null";
  ASSERT_EQ(std::system(check.c_str()), 0)
      << AGORA_SYSTEM_PYTHON3 << " cannot import websockets: install Debian's python3-websockets "
      << "(deploy/install-deps.sh)";
  const std::string cmd = std::string(AGORA_SYSTEM_PYTHON3) + " " + AGORA_INTEROP_CLIENT + " ws://127.0.0.1:" +
                          std::to_string((*n)->http_port()) + "/ws 2>&1";
  FILE* py = ::popen(cmd.c_str(), "r");
  ASSERT_NE(py, nullptr);
  // The client's own timeouts bound every read below.
  std::string output;
  char line[512];
  bool ready = false;
  while (std::fgets(line, sizeof line, py) != nullptr) {
    output += line;
    if (std::string(line).rfind("READY", 0) == 0) {
      ready = true;
      break;
    }
  }
  ASSERT_TRUE(ready) << output;
  auto posted = client.request("POST", "/api/admin/notifications", R"({"title":"Interop","body":"hello"})",
                               {{"Authorization", "Bearer " + admin}});
  ASSERT_EQ(posted.status, 202) << posted.body;
  while (std::fgets(line, sizeof line, py) != nullptr) output += line;
  const int status = ::pclose(py);
  EXPECT_EQ(status, 0) << output;
  EXPECT_NE(output.find("GOT Interop " + std::to_string(testing::json_num(posted.body, "position"))),
            std::string::npos)
      << output;
}

}  // namespace
}  // namespace agora
