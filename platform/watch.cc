#include "platform/watch.h"

namespace lv::platform {

std::atomic<bool>& WatchDraining() {
  static std::atomic<bool> draining{false};
  return draining;
}

}  // namespace lv::platform
