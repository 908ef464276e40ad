# onecard_embed_migrations(TARGET <target> DIR <dir> SYMBOL <name> HEADER <file.h>)
#
# Compiles the schema migrations DIR/NNN_name.sql into the target (see
# embed_migrations.cmake beside this file): the generated C file defines
# SYMBOL[] and SYMBOL_len, declared in HEADER (found on the target's
# include path). Included by every program with its own migrations
# (ca/, authd/store/); the list is re-read when files are added.
include_guard(GLOBAL)

function(onecard_embed_migrations)
  cmake_parse_arguments(M "" "TARGET;DIR;SYMBOL;HEADER" "" ${ARGN})
  foreach(arg TARGET DIR SYMBOL HEADER)
    if(NOT M_${arg})
      message(FATAL_ERROR "onecard_embed_migrations: ${arg} missing")
    endif()
  endforeach()
  set(script ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_migrations.cmake)
  file(GLOB sql CONFIGURE_DEPENDS ${M_DIR}/*.sql)
  file(RELATIVE_PATH origin ${PROJECT_SOURCE_DIR} ${M_DIR})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/${M_SYMBOL}.c)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DSQL_DIR=${M_DIR} -DOUT=${out} -DSYMBOL=${M_SYMBOL}
            -DHEADER=${M_HEADER} -DORIGIN=${origin}
            -P ${script}
    DEPENDS ${sql} ${script}
    COMMENT "Embedding the schema migrations of ${origin}"
    VERBATIM)
  target_sources(${M_TARGET} PRIVATE ${out})
endfunction()
