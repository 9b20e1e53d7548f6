# link.cmake -- included by gateway/CMakeLists.txt: the gateway's durable
# spool (SQLite), its upstream link to the collector (ZeroMQ DEALER over
# CURVE) and its live feed (ZeroMQ PUB). docs/upstream.md is their spec.
#
# The collector links lofte_gwlink too, for the one copy of the upstream
# message codec and key-file code (upstream.c); a static library only pulls
# in the objects a program uses.
find_library(SQLITE3_LIB sqlite3 REQUIRED)
find_path(SQLITE3_INCLUDE sqlite3.h REQUIRED)
find_library(ZMQ_LIB zmq REQUIRED)
find_path(ZMQ_INCLUDE zmq.h REQUIRED)

add_library(lofte_gwlink STATIC
  ${CMAKE_CURRENT_LIST_DIR}/spool.c
  ${CMAKE_CURRENT_LIST_DIR}/upstream.c
  ${CMAKE_CURRENT_LIST_DIR}/feed.c)
target_include_directories(lofte_gwlink PUBLIC ${CMAKE_CURRENT_LIST_DIR}
                                        PRIVATE ${SQLITE3_INCLUDE} ${ZMQ_INCLUDE})
target_compile_options(lofte_gwlink PRIVATE -Wall -Wextra -Werror)
target_link_libraries(lofte_gwlink PUBLIC lofte_proto lofte_station lofte_errbuf ${SQLITE3_LIB}
                      ${ZMQ_LIB})
