# Fuzz targets of the trust path: PAS evidence, certificate extensions and
# the runtime protocol.
veil_fuzz_target(pas_evidence_fuzz
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/pas_evidence_fuzz.c
    LIBS veil_pas
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/pas_evidence)
veil_fuzz_target(protocol_fuzz
    SOURCES ${CMAKE_CURRENT_LIST_DIR}/protocol_fuzz.c
    LIBS veil_protocol
    CORPUS ${CMAKE_CURRENT_LIST_DIR}/corpus/protocol)
