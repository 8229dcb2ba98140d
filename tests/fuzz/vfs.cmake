veil_fuzz_target(vfs_path_fuzz
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/vfs_path_fuzz.c
    LIBS veil_vfs
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/vfs_path
    TOKENS ${CMAKE_CURRENT_LIST_DIR}/corpus/vfs_path.tokens)
