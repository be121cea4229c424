// intake-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "intake-svc/intake_service.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "intake",
      "intake-svc: registrations, intake, the coach registry, matching and outreach.\n"
      "Flags may also be set as LV_<FLAG> environment variables.",
      lv::intake::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& server)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        auto config = lv::intake::LoadIntakeConfig(server);
        if (!config.ok()) return config.status();
        return std::make_unique<lv::intake::IntakeService>(db, server, *std::move(config));
      });
}
