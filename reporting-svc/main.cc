// reporting-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "platform/server.h"
#include "reporting-svc/reporting_service.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "reporting",
      "reporting-svc: a read model only, rebuilt from the other services' feeds.\nFlags may also "
      "be set as LV_<FLAG> environment variables.",
      lv::reporting::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& config)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        return std::make_unique<lv::reporting::ReportingService>(db, config);
      });
}
