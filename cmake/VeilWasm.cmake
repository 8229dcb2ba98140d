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
set(VEIL_WASM_TARGET wasm32-wasi)
set(VEIL_WASM_BASE_FLAGS --target=${VEIL_WASM_TARGET} -std=gnu11 -Wall -Wextra -Werror
    -D_WASI_EMULATED_SIGNAL -D_WASI_EMULATED_MMAN -D_WASI_EMULATED_PROCESS_CLOCKS)

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
                ${W_LINK_FLAGS} -o "${out}"
        DEPENDS ${srcs} ${W_LIBS} ${W_DEPENDS}
        COMMENT "Building WebAssembly program ${name}.wasm"
        VERBATIM)
    add_custom_target(${name} ALL DEPENDS "${out}")
endfunction()
