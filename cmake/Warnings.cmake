# Strict warnings and hardening for every onecard target (STYLE.md §10).
add_compile_options(
  -Wall -Wextra -Wshadow -Wformat=2 -Wconversion -Wsign-conversion
  -Wstrict-prototypes -Wmissing-prototypes -Wvla -Wundef
  -fstack-protector-strong -fno-strict-aliasing)
if(ONECARD_WERROR)
  add_compile_options(-Werror)
endif()
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug" AND NOT ONECARD_SANITIZE)
  add_compile_definitions(_FORTIFY_SOURCE=2)
endif()
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
add_link_options(-Wl,-z,relro,-z,now)

if(ONECARD_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all
                      -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined)
endif()
