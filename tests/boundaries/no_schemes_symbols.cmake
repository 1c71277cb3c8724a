# cmake -DNM=<nm> -DBINARIES=<a;b> -P no_schemes_symbols.cmake
# Fails if any of BINARIES carries a symbol in escrow::schemes (the comparison designs belong to
# attacks/, bench/ and tests/ only), or carries no escrow:: symbol at all (a stripped binary would
# pass for the wrong reason).
foreach(binary IN LISTS BINARIES)
  execute_process(COMMAND ${NM} -C ${binary} OUTPUT_VARIABLE symbols RESULT_VARIABLE rc ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${NM} -C ${binary} failed (${rc}): ${err}")
  endif()
  string(REGEX MATCHALL "[^\n]*escrow::schemes[^\n]*" hits "${symbols}")
  list(LENGTH hits count)
  if(count GREATER 0)
    list(GET hits 0 first)
    string(REGEX REPLACE "^[0-9a-f]* *[A-Za-z] " "" first "${first}")
    # STATUS, not only FATAL_ERROR: CMake wraps an error's text, and a test may match this line.
    message(STATUS "FOUND ${count} escrow::schemes symbols in ${binary}, e.g. ${first}")
    message(FATAL_ERROR "${binary} carries the comparison designs (escrow::schemes)")
  endif()
  string(REGEX MATCHALL "[^\n]*escrow::[^\n]*" ours "${symbols}")
  list(LENGTH ours count)
  if(count EQUAL 0)
    message(FATAL_ERROR "${binary}: no escrow:: symbol at all (stripped?): the check proves nothing")
  endif()
  message(STATUS "${binary}: ${count} escrow:: symbols, none in escrow::schemes")
endforeach()
