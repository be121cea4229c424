// coaching-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "coaching-svc/coaching_service.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "coaching",
      "coaching-svc: trajectories, the entitlement ledger, sessions, improvement plans, "
      "interventions, reviews, extensions, evaluations and aftercare.\nFlags may also be set as "
      "LV_<FLAG> environment variables.",
      lv::coaching::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& config)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        return std::make_unique<lv::coaching::CoachingService>(db, config);
      });
}
