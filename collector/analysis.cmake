# analysis.cmake -- the collector's analysis side: calendar, targets, rollups,
# evaluation and reports (static library lofte_analysis), and lofte-report.
# Included from collector/CMakeLists.txt:  include(analysis.cmake)
# Paths are relative to this file, so it works from any including scope.

find_library(LOFTE_SQLITE3_LIB sqlite3 REQUIRED)
find_path(LOFTE_SQLITE3_INCLUDE sqlite3.h REQUIRED)
# libpq: reports and --sql on a PostgreSQL store (pgread.c)
find_library(LOFTE_PQ_LIB pq REQUIRED)
find_path(LOFTE_PQ_INCLUDE libpq-fe.h PATH_SUFFIXES postgresql REQUIRED)

set(LOFTE_ANALYSIS_DIR ${CMAKE_CURRENT_LIST_DIR})

add_library(lofte_analysis STATIC
  ${LOFTE_ANALYSIS_DIR}/calendar.c
  ${LOFTE_ANALYSIS_DIR}/targets.c
  ${LOFTE_ANALYSIS_DIR}/rollup.c
  ${LOFTE_ANALYSIS_DIR}/evaluate.c
  ${LOFTE_ANALYSIS_DIR}/report.c
  ${LOFTE_ANALYSIS_DIR}/pgread.c
  ${LOFTE_ANALYSIS_DIR}/names.c)
target_include_directories(lofte_analysis PUBLIC ${LOFTE_ANALYSIS_DIR} ${LOFTE_SQLITE3_INCLUDE}
                           PRIVATE ${LOFTE_PQ_INCLUDE})
# lofte_proto gives the name tables of record.h (activities, zones, actors).
target_link_libraries(lofte_analysis PUBLIC lofte_proto lofte_errbuf ${LOFTE_SQLITE3_LIB} ${LOFTE_PQ_LIB} m)
target_compile_options(lofte_analysis PRIVATE -Wall -Wextra -Werror -pedantic)
# Without --targets, lofte-report reads the shipped illustrative file where
# `cmake --install` puts it (share/lofte/targets/). Tests name their
# targets file explicitly, so no path of the source tree is compiled in.
set(LOFTE_TARGETS_DIR "${CMAKE_INSTALL_FULL_DATADIR}/lofte/targets")
target_compile_definitions(lofte_analysis PRIVATE
  LOFTE_DEFAULT_TARGETS="${LOFTE_TARGETS_DIR}/hammaro-2023-2025.targets")
install(DIRECTORY ${LOFTE_ANALYSIS_DIR}/targets/ DESTINATION ${CMAKE_INSTALL_DATADIR}/lofte/targets
        FILES_MATCHING PATTERN "*.targets")

add_executable(lofte-report ${LOFTE_ANALYSIS_DIR}/report_main.c)
target_link_libraries(lofte-report PRIVATE lofte_analysis lofte_version)
target_compile_options(lofte-report PRIVATE -Wall -Wextra -Werror -pedantic)

# lofte-retention: deletes old, already reported record rows, keeping the
# daily aggregates (docs/reports.md, "Retention"). The one writer here, so a
# program of its own: lofte-report stays read-only.
add_executable(lofte-retention ${LOFTE_ANALYSIS_DIR}/retention_main.c)
target_link_libraries(lofte-retention PRIVATE lofte_analysis lofte_version)
install(TARGETS lofte-report lofte-retention RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
target_compile_options(lofte-retention PRIVATE -Wall -Wextra -Werror -pedantic)
