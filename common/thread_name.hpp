#pragma once
// Names for Agora's own threads, so that `top -H`, `ps -L`, perf and gdb show
// what each one is (store-writer, projections, http-io-0, ...) instead of a
// dozen threads all called "agorad".

#include <string_view>

namespace agora {

/// Names the calling thread. Linux keeps at most 15 bytes: a longer name is
/// cut. Best effort: a failure changes nothing and is not reported.
void set_current_thread_name(std::string_view name) noexcept;

}  // namespace agora
