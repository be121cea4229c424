// reporting-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "platform/server.h"
#include "reporting-svc/reporting_service.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "reporting",
      "reporting-svc: the programme's read model and reports, fed by the other services' feeds.\n"
      "Flags may also be set as LV_<FLAG> environment variables.",
      lv::reporting::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& server)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        auto config = lv::reporting::LoadReportingConfig(server);
        if (!config.ok()) return config.status();
        return std::make_unique<lv::reporting::ReportingService>(db, server, *std::move(config));
      });
}
