# netc_add_network(TARGET name SOURCE file.net
#                  [ENTRY network] [WEIGHTS w.npz | RANDOM_WEIGHTS seed]
#                  [TARGETS host|portable|<Halide target>...] [IMAGE_SIZE H[,W]]
#                  [DEFINES NAME=VALUE...] [EMIT lib|ll|bc|asm|stmt|html...])
#
# Runs netc at build time, like Halide's add_halide_library: the network is
# compiled into ${name}.o with its weights embedded and a C header ${name}.h,
# and `name` becomes a static library target carrying both (its include
# directory and the -lpthread -ldl -lm an app needs). The C entry is named
# after the network: `int <network>(const float *in, float *out, int batch)`.
# Several TARGETS make one object that picks the best at run time.
function(netc_add_network)
  cmake_parse_arguments(ARG "" "TARGET;SOURCE;ENTRY;WEIGHTS;RANDOM_WEIGHTS;IMAGE_SIZE"
                        "TARGETS;DEFINES;EMIT" ${ARGN})
  if(NOT ARG_TARGET OR NOT ARG_SOURCE)
    message(FATAL_ERROR "netc_add_network: TARGET and SOURCE are required")
  endif()
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "netc_add_network: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(ARG_WEIGHTS AND DEFINED ARG_RANDOM_WEIGHTS)
    message(FATAL_ERROR "netc_add_network(${ARG_TARGET}): give WEIGHTS or RANDOM_WEIGHTS, not both")
  endif()
  if(NOT ARG_WEIGHTS AND NOT DEFINED ARG_RANDOM_WEIGHTS)
    message(FATAL_ERROR "netc_add_network(${ARG_TARGET}): an object embeds its weights: give WEIGHTS or RANDOM_WEIGHTS")
  endif()
  get_filename_component(source "${ARG_SOURCE}" ABSOLUTE)
  set(dir "${CMAKE_CURRENT_BINARY_DIR}/${ARG_TARGET}.netc")
  set(obj "${dir}/${ARG_TARGET}.o")
  set(args "${source}" -o "${obj}")
  set(depends "${source}" netc::netc)
  if(ARG_ENTRY)
    list(APPEND args --entry ${ARG_ENTRY})
  endif()
  if(ARG_WEIGHTS)
    get_filename_component(weights "${ARG_WEIGHTS}" ABSOLUTE)
    list(APPEND args --weights "${weights}")
    list(APPEND depends "${weights}")
  else()
    list(APPEND args --random-weights ${ARG_RANDOM_WEIGHTS})
  endif()
  if(ARG_TARGETS)
    string(REPLACE ";" "," targets "${ARG_TARGETS}")
    list(APPEND args --target ${targets})
  endif()
  if(ARG_IMAGE_SIZE)
    list(APPEND args --image-size ${ARG_IMAGE_SIZE})
  endif()
  foreach(d ${ARG_DEFINES})
    list(APPEND args -D ${d})
  endforeach()
  set(outputs "${obj}" "${dir}/${ARG_TARGET}.h")
  if(ARG_EMIT)
    string(REPLACE ";" "," emit "${ARG_EMIT}")
    list(APPEND args --emit obj,h,${emit})
  endif()
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
    COMMAND netc::netc ${args}
    DEPENDS ${depends}
    COMMENT "netc: compiling ${ARG_SOURCE} into ${ARG_TARGET}.o"
    VERBATIM)
  add_library(${ARG_TARGET} STATIC "${obj}" "${dir}/${ARG_TARGET}.h")
  set_target_properties(${ARG_TARGET} PROPERTIES LINKER_LANGUAGE C)
  target_include_directories(${ARG_TARGET} INTERFACE "${dir}")
  target_link_libraries(${ARG_TARGET} INTERFACE Threads::Threads ${CMAKE_DL_LIBS} m)
endfunction()
