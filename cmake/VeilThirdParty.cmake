# Third-party libraries.
#
# Native builds link Debian's packages (mbedtls: libmbedtls-dev).  The
# WebAssembly detector needs mbedtls and FFmpeg's H.264 decoder compiled for
# wasm32-wasi; scripts/third_party/ builds them from Debian's source
# packages (checksum-verified against the .dsc) into ${VEIL_CACHE_DIR}, keyed
# by version and build flags, so a clean machine builds them once (about two
# minutes) and every later configure reuses them.  The native detector uses
# the same FFmpeg source and configuration built natively (see
# scripts/third_party/build-ffmpeg.sh for why), cached the same way.
#
# Results (empty when VEIL_THIRD_PARTY is OFF):
#   VEIL_MBEDCRYPTO_LIBRARY, VEIL_MBEDTLS_INCLUDE_DIR   native mbedtls (always)
#   VEIL_MBEDTLS_WASM_PREFIX   include/ (with veil-mbedtls-config.h), lib/libmbedcrypto.a
#   VEIL_MBEDTLS_WASM_CFLAGS   flags to compile against it
#   VEIL_FFMPEG_WASM_PREFIX    include/, lib/libavcodec.a, lib/libavutil.a (wasm32-wasi)
#   target veil_ffmpeg_native  INTERFACE library: headers + static libavcodec/libavutil
option(VEIL_THIRD_PARTY "Build mbedtls and FFmpeg for wasm32-wasi (and FFmpeg natively) from \
Debian source packages into VEIL_CACHE_DIR" ON)

find_library(VEIL_MBEDCRYPTO_LIBRARY mbedcrypto REQUIRED)
find_path(VEIL_MBEDTLS_INCLUDE_DIR mbedtls/gcm.h REQUIRED)

set(VEIL_THIRD_PARTY_SCRIPTS "${PROJECT_SOURCE_DIR}/scripts/third_party")

# veil_third_party(VAR script args...): runs a build script unless VAR is
# cached from an earlier configure with the same script contents and its
# build is still complete; VAR gets the printed install prefix.
function(veil_third_party var script)
    file(GLOB inputs "${VEIL_THIRD_PARTY_SCRIPTS}/*")
    list(SORT inputs)
    set(stamp "${ARGN}")
    foreach(f ${inputs})
        file(SHA256 "${f}" h)
        string(APPEND stamp ":${h}")
    endforeach()
    string(SHA256 stamp "${stamp}")
    if(DEFINED ${var} AND "${${var}_STAMP}" STREQUAL "${stamp}"
       AND EXISTS "${${var}}/.veil-complete")
        return()
    endif()
    message(STATUS "Third-party: ${script} ${ARGN} (a first build takes minutes; cached in "
                   "${VEIL_CACHE_DIR})")
    execute_process(
        COMMAND ${CMAKE_COMMAND} -E env "VEIL_CACHE_DIR=${VEIL_CACHE_DIR}"
                "VEIL_WASM_CC=${VEIL_WASM_CC}" "VEIL_WASM_AR=${VEIL_WASM_AR}"
                "${VEIL_THIRD_PARTY_SCRIPTS}/${script}" ${ARGN}
        OUTPUT_VARIABLE prefix
        ERROR_VARIABLE log
        RESULT_VARIABLE rc
        OUTPUT_STRIP_TRAILING_WHITESPACE)
    if(NOT rc EQUAL 0 OR NOT EXISTS "${prefix}/.veil-complete")
        message(FATAL_ERROR "Third-party build ${script} ${ARGN} failed (exit ${rc}):\n${log}\n"
                            "Configure with -DVEIL_THIRD_PARTY=OFF to build without the "
                            "WebAssembly detector pieces.")
    endif()
    file(READ "${prefix}/.veil-complete" done)
    string(STRIP "${done}" done)
    # .veil-complete records the original build, which may come from the cache.
    message(STATUS "Third-party: ${prefix} ready (${done})")
    set(${var} "${prefix}" CACHE INTERNAL "")
    set(${var}_STAMP "${stamp}" CACHE INTERNAL "")
endfunction()

if(VEIL_THIRD_PARTY)
    veil_third_party(VEIL_MBEDTLS_WASM_PREFIX build-mbedtls.sh)
    veil_third_party(VEIL_FFMPEG_WASM_PREFIX build-ffmpeg.sh wasm32-wasi)
    veil_third_party(VEIL_FFMPEG_NATIVE_PREFIX build-ffmpeg.sh native)
    set(VEIL_MBEDTLS_WASM_CFLAGS "-I${VEIL_MBEDTLS_WASM_PREFIX}/include"
        "-DMBEDTLS_CONFIG_FILE=\"veil-mbedtls-config.h\"")
    add_library(veil_ffmpeg_native INTERFACE)
    target_include_directories(veil_ffmpeg_native SYSTEM INTERFACE
                               "${VEIL_FFMPEG_NATIVE_PREFIX}/include")
    target_link_libraries(veil_ffmpeg_native INTERFACE
                          "${VEIL_FFMPEG_NATIVE_PREFIX}/lib/libavcodec.a"
                          "${VEIL_FFMPEG_NATIVE_PREFIX}/lib/libavutil.a" m)
else()
    set(VEIL_MBEDTLS_WASM_PREFIX "")
    set(VEIL_FFMPEG_WASM_PREFIX "")
endif()
