# The software-card library (softcard.h), defined here beside its sources
# and included from two places: bench/login/ (always built, also when
# scripts/bench configures with ONECARD_TESTS=OFF) and tests/authd/tools/.
# Whichever comes first defines the target.
if(NOT TARGET onecard_softcard)
  pkg_check_modules(SOFTCARD_CURL REQUIRED IMPORTED_TARGET libcurl)
  add_library(onecard_softcard STATIC
    ${CMAKE_CURRENT_LIST_DIR}/card.c
    ${CMAKE_CURRENT_LIST_DIR}/body.c
    ${CMAKE_CURRENT_LIST_DIR}/client.c)
  target_include_directories(onecard_softcard PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(onecard_softcard PUBLIC onecard_challenge onecard_core
    OpenSSL::Crypto PkgConfig::JANSSON PkgConfig::SOFTCARD_CURL)
endif()
