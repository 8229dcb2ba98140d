# veil_unit_test(NAME SOURCES src... LIBS lib... [LABELS label...])
# Builds a cmocka test executable and registers it with CTest.
function(veil_unit_test name)
    cmake_parse_arguments(T "" "" "SOURCES;LIBS;LABELS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
    target_compile_definitions(${name} PRIVATE
        VEIL_TESTDATA_DIR="${VEIL_SHARED_DIR}/testdata"
        VEIL_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    add_test(NAME ${name} COMMAND ${name})
    set_tests_properties(${name} PROPERTIES LABELS "unit;${T_LABELS}" SKIP_RETURN_CODE 77)
endfunction()

# True when the shared external test material is present.
if(EXISTS "${VEIL_SHARED_DIR}/testdata/README.md")
    set(VEIL_HAVE_TESTDATA ON)
else()
    set(VEIL_HAVE_TESTDATA OFF)
    message(STATUS "External test material not found at ${VEIL_SHARED_DIR}/testdata: "
                   "tests that need it are skipped")
endif()
