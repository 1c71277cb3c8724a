# cmake -DNM=<nm> -DBINARIES=<a;b> [-DNAMESPACE=<ns>] -P no_schemes_symbols.cmake
# Fails if any of BINARIES carries a symbol in NAMESPACE, by default escrow::schemes (the comparison
# designs belong to attacks/, bench/ and tests/ only; escrow::tdh2::testing, the deterministic TDH2
# of the test-only target doormat_tdh2_testing, belongs to tests/ only), or carries no escrow::
# symbol at all (a stripped binary would pass for the wrong reason).
if(NOT NAMESPACE)
  set(NAMESPACE "escrow::schemes")
endif()
string(REPLACE ":" "[:]" ns_regex "${NAMESPACE}")
foreach(binary IN LISTS BINARIES)
  execute_process(COMMAND ${NM} -C ${binary} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} -C ${binary} failed (${rc}): ${err}")
  endif()
  string(REGEX MATCHALL "[^\n]*${ns_regex}[^\n]*" hits "${symbols}")
  list(LENGTH hits count)
  if(count GREATER 0)
    list(GET hits 0 first)
    string(REGEX REPLACE "^[0-9a-f]* *[A-Za-z] " "" first "${first}")
    # STATUS, not only FATAL_ERROR: CMake wraps an error's text, and a test may match this line.
    message(STATUS "FOUND ${count} ${NAMESPACE} symbols in ${binary}, e.g. ${first}")
    message(FATAL_ERROR "${binary} carries symbols it must not (${NAMESPACE})")
  endif()
  string(REGEX MATCHALL "[^\n]*escrow::[^\n]*" ours "${symbols}")
  list(LENGTH ours count)
  if(count EQUAL 0)
    message(FATAL_ERROR "${binary}: no escrow:: symbol at all (stripped?): the check proves nothing")
  endif()
  message(STATUS "${binary}: ${count} escrow:: symbols, none in ${NAMESPACE}")
endforeach()
