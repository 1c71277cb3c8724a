# One CMake target per module group of lib/, each linking only the groups it declares (Botan's
# `<requires>` in src/lib/*/info.txt). Used by lib/CMakeLists.txt.
#
# How a forbidden include fails the build: the public headers stay in lib/include/escrow/ (so every
# `#include "escrow/x.hpp"` keeps its spelling), but that folder is on no include path. At configure
# time each group gets its own view, ${DOORMAT_GROUP_VIEWS}/<group>/escrow/, holding symlinks to
# only the headers the group owns. A group's view is a PUBLIC include directory of its target, so a
# source file sees its own group's headers and those of the groups its target links (CMake's usage
# requirements: REQUIRES are PUBLIC and reach the group's consumers as well, REQUIRES_PRIVATE reach
# only the group's own .cpp files). Any other header is simply absent, and the compiler stops with
# "escrow/x.hpp: No such file or directory". Symlinks, not copies: an edited header is seen at once.

set(DOORMAT_GROUP_VIEWS ${CMAKE_BINARY_DIR}/lib/include)
# Start from an empty tree each configure, so a header taken out of a group is gone from its view.
file(REMOVE_RECURSE ${DOORMAT_GROUP_VIEWS})
set_property(GLOBAL PROPERTY DOORMAT_GROUPED_HEADERS "")
set_property(GLOBAL PROPERTY DOORMAT_GROUPED_SOURCES "")

# doormat_group(<name>
#   SOURCES <lib/-relative .cpp files>
#   HEADERS <names under lib/include/escrow/ that this group owns>
#   [REQUIRES <groups its public headers include>]
#   [REQUIRES_PRIVATE <groups only its .cpp files include>]
#   [LINK_PUBLIC <external targets>] [LINK_PRIVATE <external targets>])
# Defines target escrow_<name>, alias doormat::<name>.
function(doormat_group name)
  cmake_parse_arguments(PARSE_ARGV 1 G "" "" "SOURCES;HEADERS;REQUIRES;REQUIRES_PRIVATE;LINK_PUBLIC;LINK_PRIVATE")
  if(G_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "doormat_group(${name}): unknown arguments ${G_UNPARSED_ARGUMENTS}")
  endif()
  set(view ${DOORMAT_GROUP_VIEWS}/${name})
  file(MAKE_DIRECTORY ${view}/escrow)
  foreach(header IN LISTS G_HEADERS)
    set(real ${CMAKE_CURRENT_SOURCE_DIR}/include/escrow/${header})
    if(NOT EXISTS ${real})
      message(FATAL_ERROR "doormat_group(${name}): lib/include/escrow/${header} does not exist")
    endif()
    get_property(owned GLOBAL PROPERTY DOORMAT_GROUPED_HEADERS)
    if(header IN_LIST owned)
      message(FATAL_ERROR "doormat_group(${name}): escrow/${header} already belongs to another group")
    endif()
    set_property(GLOBAL APPEND PROPERTY DOORMAT_GROUPED_HEADERS ${header})
    file(CREATE_LINK ${real} ${view}/escrow/${header} SYMBOLIC)
  endforeach()
  set_property(GLOBAL APPEND PROPERTY DOORMAT_GROUPED_SOURCES ${G_SOURCES})

  set(requires "")
  foreach(group IN LISTS G_REQUIRES)
    if(NOT TARGET escrow_${group})
      message(FATAL_ERROR "doormat_group(${name}): requires '${group}', which is not (yet) defined; "
                          "groups are defined in dependency order, so this would be a cycle or a typo")
    endif()
    list(APPEND requires doormat::${group})
  endforeach()
  set(requires_private "")
  foreach(group IN LISTS G_REQUIRES_PRIVATE)
    if(NOT TARGET escrow_${group})
      message(FATAL_ERROR "doormat_group(${name}): requires '${group}', which is not (yet) defined")
    endif()
    list(APPEND requires_private doormat::${group})
  endforeach()

  add_library(escrow_${name} ${G_SOURCES})
  add_library(doormat::${name} ALIAS escrow_${name})
  target_include_directories(escrow_${name} PUBLIC ${view})
  target_link_libraries(escrow_${name}
    PUBLIC ${requires} ${G_LINK_PUBLIC}
    PRIVATE ${requires_private} ${G_LINK_PRIVATE})
endfunction()

# Fails the configure if a header in lib/include/escrow/ or a .cpp in a module folder of lib/ belongs
# to no group: a new module is placed in a group before anything can include it.
function(doormat_groups_check_complete)
  get_property(headers GLOBAL PROPERTY DOORMAT_GROUPED_HEADERS)
  get_property(sources GLOBAL PROPERTY DOORMAT_GROUPED_SOURCES)
  file(GLOB on_disk CONFIGURE_DEPENDS RELATIVE ${CMAKE_CURRENT_SOURCE_DIR}/include/escrow
       ${CMAKE_CURRENT_SOURCE_DIR}/include/escrow/*.hpp)
  foreach(header IN LISTS on_disk)
    if(NOT header IN_LIST headers)
      message(FATAL_ERROR "lib/include/escrow/${header} belongs to no module group: add it to one "
                          "doormat_group() in lib/CMakeLists.txt")
    endif()
  endforeach()
  file(GLOB on_disk CONFIGURE_DEPENDS RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/*/*.cpp)
  foreach(source IN LISTS on_disk)
    if(NOT source IN_LIST sources)
      message(FATAL_ERROR "lib/${source} belongs to no module group: add it to one doormat_group() "
                          "in lib/CMakeLists.txt")
    endif()
  endforeach()
endfunction()
