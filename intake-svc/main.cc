// intake-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "intake-svc/intake_service.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "intake",
      "intake-svc: registrations (aanmeldingen), intake records and help requests, the coach "
      "registry, matches, outreach contacts and declines.\nFlags may also be set as LV_<FLAG> "
      "environment variables.",
      lv::intake::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& config)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        return std::make_unique<lv::intake::IntakeService>(db, config);
      });
}
