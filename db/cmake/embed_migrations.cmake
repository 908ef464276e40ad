# Compiles a folder of NNN_name.sql files into a C file defining
#   const struct oc_pg_migration SYMBOL[];  const size_t SYMBOL_len;
# (db/pg_migrate.h), so a program carries its own schema.
#   cmake -DSQL_DIR=<dir> -DOUT=<file.c> -DSYMBOL=<name> -DHEADER=<file.h>
#         -DORIGIN=<text> -P embed_migrations.cmake
# HEADER declares SYMBOL and SYMBOL_len (and includes pg_migrate.h).
# Each file must be named NNN_name.sql with NNN rising from 001 without
# gaps; each is recorded with its SHA-256 so a changed migration is
# noticed at startup. Used through onecard_embed_migrations()
# (OnecardMigrations.cmake).
foreach(var SQL_DIR OUT SYMBOL HEADER ORIGIN)
  if(NOT ${var})
    message(FATAL_ERROR "embed_migrations.cmake needs SQL_DIR, OUT, SYMBOL, HEADER and ORIGIN")
  endif()
endforeach()
if(NOT SYMBOL MATCHES "^[a-z_][a-z0-9_]*$")
  message(FATAL_ERROR "embed_migrations.cmake: SYMBOL must be a C identifier in lower case")
endif()
file(GLOB files "${SQL_DIR}/*.sql")
list(SORT files)
set(body "")
set(table "")
set(expect 1)
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME_WE)
  if(NOT name MATCHES "^([0-9][0-9][0-9])_[a-z0-9_]+$")
    message(FATAL_ERROR "${f}: a migration is named NNN_name.sql (name: a-z 0-9 _)")
  endif()
  math(EXPR version "1${CMAKE_MATCH_1} - 1000") # "007" -> 7, never octal
  if(NOT version EQUAL expect)
    message(FATAL_ERROR "${f}: expected migration number ${expect}")
  endif()
  math(EXPR expect "${expect} + 1")
  file(READ "${f}" sql)
  file(SHA256 "${f}" sha)
  # A C string literal: backslash, quote, '?' (no trigraphs), tab, and
  # one source line per SQL line.
  string(REPLACE "\\" "\\\\" sql "${sql}")
  string(REPLACE "\"" "\\\"" sql "${sql}")
  string(REPLACE "?" "\\?" sql "${sql}")
  string(REPLACE "\t" "\\t" sql "${sql}")
  string(REPLACE "\r" "\\r" sql "${sql}")
  string(REPLACE "\n" "\\n\"\n\t\"" sql "${sql}")
  string(APPEND body "static const char migration_${version}[] =\n\t\"${sql}\";\n\n")
  string(APPEND table "\t{${version}, \"${name}\", \"${sha}\", migration_${version}},\n")
endforeach()
if(expect EQUAL 1)
  message(FATAL_ERROR "no migrations in ${SQL_DIR}")
endif()
math(EXPR count "${expect} - 1")
file(WRITE "${OUT}.tmp"
  "/* Generated from the files in ${ORIGIN} by db/cmake/embed_migrations.cmake. */\n"
  "#include <stddef.h>\n\n#include \"${HEADER}\"\n\n"
  "${body}"
  "const struct oc_pg_migration ${SYMBOL}[] = {\n${table}};\n"
  "const size_t ${SYMBOL}_len = ${count};\n")
file(RENAME "${OUT}.tmp" "${OUT}")
