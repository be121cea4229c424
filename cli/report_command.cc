// lv report --out=DIR: the programme report as files a person opens: CSV, JSON and the two
// charts as SVG.
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "cli/cli_common.h"
#include "cli/commands.h"
#include "lerenverbeteren/reporting/v1/reporting_service.grpc.pb.h"

ABSL_FLAG(std::string, out, "report", "report: the folder to write the files to");

namespace lv::cli {

int RunReport() {
  namespace pb = ::lerenverbeteren::reporting::v1;
  auto stub = pb::ReportingService::NewStub(Channel());
  const std::filesystem::path dir = absl::GetFlag(FLAGS_out);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "lv report: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream(dir / name, std::ios::binary) << data;
    std::printf("%s\n", (dir / name).c_str());
  };
  for (auto [format, name] : {std::pair{pb::EXPORT_FORMAT_CSV, "programme-report.csv"},
                              std::pair{pb::EXPORT_FORMAT_JSON, "programme-report.json"}}) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    pb::ExportReportRequest r;
    r.set_format(format);
    pb::ExportReportResponse file;
    grpc::Status s = stub->ExportReport(&ctx, r, &file);
    if (!s.ok()) return Fail(s);
    write(name, file.data());
  }
  for (auto [kind, name] :
       {std::pair{pb::CHART_KIND_STARTED_PER_YEAR, "started-per-year.svg"},
        std::pair{pb::CHART_KIND_DURATION_BY_CATEGORY, "duration-by-category.svg"}}) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    pb::RenderChartRequest r;
    r.set_kind(kind);
    pb::RenderChartResponse chart;
    grpc::Status s = stub->RenderChart(&ctx, r, &chart);
    if (!s.ok()) return Fail(s);
    write(name, chart.svg());
  }
  return 0;
}

}  // namespace lv::cli
