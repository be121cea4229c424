# lv_proto_library(<target> PROTOS <files...> IMPORT_DIR <dir> [DEPS <targets...>] [GRPC])
# Generates C++ (and gRPC with GRPC) code for one proto package into the build tree and compiles it
# once as a static library, so every service links the same objects instead of regenerating them.
function(lv_proto_library target)
  cmake_parse_arguments(A "GRPC" "IMPORT_DIR" "PROTOS;DEPS" ${ARGN})
  add_library(${target} STATIC ${A_PROTOS})
  set(out_dir ${CMAKE_BINARY_DIR}/gen)
  file(MAKE_DIRECTORY ${out_dir})
  protobuf_generate(TARGET ${target} LANGUAGE cpp
    IMPORT_DIRS ${A_IMPORT_DIR} ${LV_PROTO_ROOT}
    PROTOC_OUT_DIR ${out_dir})
  if(A_GRPC)
    protobuf_generate(TARGET ${target} LANGUAGE grpc
      GENERATE_EXTENSIONS .grpc.pb.h .grpc.pb.cc
      PLUGIN "protoc-gen-grpc=$<TARGET_FILE:gRPC::grpc_cpp_plugin>"
      IMPORT_DIRS ${A_IMPORT_DIR} ${LV_PROTO_ROOT}
      PROTOC_OUT_DIR ${out_dir})
  endif()
  target_include_directories(${target} PUBLIC ${out_dir})
  target_link_libraries(${target} PUBLIC protobuf::libprotobuf gRPC::grpc++ ${A_DEPS})
  # Generated code is not ours to lint or warn about.
  target_compile_options(${target} PRIVATE -w)
endfunction()
