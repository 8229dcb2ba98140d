# Engine: decode + validate + compile any bytes, then instantiate and run
# the exports of what loads with a small fuel budget.
veil_fuzz_target(wasm_decode_fuzz
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/wasm_decode_fuzz.c
    LIBS veil_wasm
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/wasm_decode_fuzz
    TOKENS ${CMAKE_CURRENT_LIST_DIR}/corpus/wasm_decode_fuzz.tokens)
# The AOT compile worker's replies as the runtime reads them (no compiler
# runs: the input is the worker).
veil_fuzz_target(aot_worker_reply_fuzz
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/aot_worker_reply_fuzz.c
    LIBS veil_wasm
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/aot_worker_reply)
