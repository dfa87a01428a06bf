# Prints one ✓/✗ line per dependency, so a user sees at a glance what this build includes.
function(report_dependency label found_var)
  if(${found_var})
    message(STATUS "✓ ${label}")
  else()
    message(STATUS "✗ ${label}")
  endif()
endfunction()
