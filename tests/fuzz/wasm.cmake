# Engine: decode + validate + compile any bytes, then instantiate and run
# the exports of what loads with a small fuel budget.
veil_fuzz_target(wasm_decode_fuzz
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/wasm_decode_fuzz.c
    LIBS veil_wasm
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/wasm_decode_fuzz
    TOKENS ${CMAKE_CURRENT_LIST_DIR}/corpus/wasm_decode_fuzz.tokens)
