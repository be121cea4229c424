// coaching-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "coaching-svc/coaching_service.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "coaching",
      "coaching-svc: trajectories, the entitlement ledger, sessions, closure and aftercare.\n"
      "Flags may also be set as LV_<FLAG> environment variables.",
      lv::coaching::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& server)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        auto config = lv::coaching::LoadCoachingConfig(server);
        if (!config.ok()) return config.status();
        return std::make_unique<lv::coaching::CoachingService>(db, server, *std::move(config));
      });
}
