# Building WebAssembly (wasm32-wasi) programs with Debian's clang, lld and
# wasi-libc, independent of the host compiler and its sanitizer flags.
#
# veil_wasm_executable(NAME
#     SOURCES file.c...            sources (absolute or relative to the current dir)
#     [CFLAGS flag...]             extra compile flags (default: -O2)
#     [INCLUDES dir...]            include directories
#     [LIBS file.a...]             static wasm libraries to link
#     [LINK_FLAGS flag...]         extra link flags
#     [DEPENDS target-or-file...]) extra dependencies
# Produces ${CMAKE_CURRENT_BINARY_DIR}/NAME.wasm and a target NAME.
find_program(VEIL_WASM_CC NAMES clang-14 clang REQUIRED)
find_program(VEIL_WASM_AR NAMES llvm-ar-14 llvm-ar REQUIRED)
set(VEIL_WASM_TARGET wasm32-wasi)
set(VEIL_WASM_BASE_FLAGS --target=${VEIL_WASM_TARGET} -std=gnu11 -Wall -Wextra -Werror
    -D_GNU_SOURCE -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_PROCESS_CLOCKS
    -D_WASI_EMULATED_GETPID)
# wasi-libc's emulation libraries matching the defines above.
set(VEIL_WASM_BASE_LIBS -lwasi-emulated-signal -lwasi-emulated-mman
    -lwasi-emulated-process-clocks -lwasi-emulated-getpid)

function(veil_wasm_executable name)
    cmake_parse_arguments(W "" "" "SOURCES;CFLAGS;INCLUDES;LIBS;LINK_FLAGS;DEPENDS" ${ARGN})
    set(out "${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm")
    set(srcs "")
    foreach(s ${W_SOURCES})
        get_filename_component(abs "${s}" ABSOLUTE)
        list(APPEND srcs "${abs}")
    endforeach()
    set(incs "-I${PROJECT_SOURCE_DIR}/include")
    foreach(i ${W_INCLUDES})
        list(APPEND incs "-I${i}")
    endforeach()
    if(NOT W_CFLAGS)
        set(W_CFLAGS -O2)
    endif()
    add_custom_command(
        OUTPUT "${out}"
        COMMAND ${VEIL_WASM_CC} ${VEIL_WASM_BASE_FLAGS} ${W_CFLAGS} ${incs} ${srcs} ${W_LIBS}
                ${W_LINK_FLAGS} ${VEIL_WASM_BASE_LIBS} -o "${out}"
        DEPENDS ${srcs} ${W_LIBS} ${W_DEPENDS}
        COMMENT "Building WebAssembly program ${name}.wasm"
        VERBATIM)
    add_custom_target(${name} ALL DEPENDS "${out}")
endfunction()

# veil_wasm_library(NAME
#     SOURCES file.c...   [CFLAGS flag...]   [INCLUDES dir...]   [DEPENDS ...])
# Compiles sources to wasm32-wasi objects and archives them as
# ${CMAKE_CURRENT_BINARY_DIR}/libNAME.a (target NAME; the path is in the
# target property WASM_ARCHIVE), for veil_wasm_executable's LIBS.
function(veil_wasm_library name)
    cmake_parse_arguments(W "" "" "SOURCES;CFLAGS;INCLUDES;DEPENDS" ${ARGN})
    set(dir "${CMAKE_CURRENT_BINARY_DIR}/${name}.wasm-objs")
    set(incs "-I${PROJECT_SOURCE_DIR}/include")
    foreach(i ${W_INCLUDES})
        list(APPEND incs "-I${i}")
    endforeach()
    if(NOT W_CFLAGS)
        set(W_CFLAGS -O2)
    endif()
    set(objs "")
    foreach(s ${W_SOURCES})
        get_filename_component(abs "${s}" ABSOLUTE)
        get_filename_component(stem "${s}" NAME_WE)
        set(obj "${dir}/${stem}.o")
        add_custom_command(
            OUTPUT "${obj}"
            COMMAND ${CMAKE_COMMAND} -E make_directory "${dir}"
            COMMAND ${VEIL_WASM_CC} ${VEIL_WASM_BASE_FLAGS} -Wshadow -Wmissing-prototypes
                    -Wstrict-prototypes ${W_CFLAGS} ${incs} -MD -MF "${obj}.d" -c "${abs}"
                    -o "${obj}"
            DEPENDS "${abs}" ${W_DEPENDS}
            DEPFILE "${obj}.d"
            COMMENT "Compiling ${stem}.c for wasm32-wasi (${name})"
            VERBATIM)
        list(APPEND objs "${obj}")
    endforeach()
    set(out "${CMAKE_CURRENT_BINARY_DIR}/lib${name}.a")
    add_custom_command(
        OUTPUT "${out}"
        COMMAND ${CMAKE_COMMAND} -E rm -f "${out}"
        COMMAND ${VEIL_WASM_AR} rcs "${out}" ${objs}
        DEPENDS ${objs}
        COMMENT "Archiving lib${name}.a (wasm32-wasi)"
        VERBATIM)
    add_custom_target(${name} ALL DEPENDS "${out}")
    set_target_properties(${name} PROPERTIES WASM_ARCHIVE "${out}")
endfunction()
