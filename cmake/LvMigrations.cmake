# lv_embed_migrations(<target> <component> <dir>)
# Compiles <dir>/NNNN_name.sql into the target as `<component>::Migrations()`, so a binary carries
# its schema and needs no files at run time (read-only container filesystem).
function(lv_embed_migrations target component dir)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  list(SORT sql_files)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${component}_migrations.cc)
  set(body "")
  foreach(f ${sql_files})
    get_filename_component(base ${f} NAME)
    # NNNN_name.sql for both engines; NNNN_name.sqlite.sql / NNNN_name.postgres.sql where the
    # engines need different DDL (full-text search).
    string(REGEX MATCH "^([0-9]+)_([a-z0-9_]+)(\\.(sqlite|postgres))?\\.sql$" _ ${base})
    if(NOT CMAKE_MATCH_1)
      message(FATAL_ERROR "migration file ${f} must be named NNNN_name[.sqlite|.postgres].sql")
    endif()
    math(EXPR version "${CMAKE_MATCH_1}")
    set(name ${CMAKE_MATCH_2})
    set(dialect "${CMAKE_MATCH_4}")
    file(READ ${f} sql)
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${f})
    string(APPEND body "      {${version}, \"${name}\", R\"LVSQL(${sql})LVSQL\", \"${dialect}\"},\n")
  endforeach()
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from ${dir} by cmake/LvMigrations.cmake; do not edit.
#include <vector>
#include \"platform/database.h\"
namespace lv::${component} {
const std::vector<lv::platform::Migration>& Migrations() {
  static const auto* migrations = new std::vector<lv::platform::Migration>{
${body}  };
  return *migrations;
}
}  // namespace lv::${component}
")
  target_sources(${target} PRIVATE ${out})
endfunction()

# lv_embed_text(<target> <namespace> <function> <file>)
# Compiles a text file (e.g. a default policy) into the target as `const std::string& fn()`.
function(lv_embed_text target namespace function file)
  file(READ ${file} text)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${function}_embedded.cc)
  file(CONFIGURE OUTPUT ${out} CONTENT
"// Generated from ${file} by cmake/LvMigrations.cmake; do not edit.
#include <string>
namespace ${namespace} {
const std::string& ${function}() {
  static const auto* text = new std::string(R\"LVTXT(${text})LVTXT\");
  return *text;
}
}  // namespace ${namespace}
")
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${file})
  target_sources(${target} PRIVATE ${out})
endfunction()
