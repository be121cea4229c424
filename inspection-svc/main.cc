// inspection-svc: flags -> config -> database + migrations -> serve (see platform::RunService).
#include "inspection-svc/inspection_service.h"
#include "platform/server.h"

int main(int argc, char** argv) {
  return lv::platform::RunService(
      argc, argv, "inspection",
      "inspection-svc: departments (BRIN + location + school type, board), inspection verdicts "
      "with their history, risk signals and restoration deadlines.\nFlags may also be set as "
      "LV_<FLAG> environment variables.",
      lv::inspection::Migrations(),
      [](lv::platform::Database* db, const lv::platform::ServerConfig& config)
          -> absl::StatusOr<std::unique_ptr<lv::platform::ServiceModule>> {
        return std::make_unique<lv::inspection::InspectionService>(db, config);
      });
}
