"""Analysis of a Result: rank uncertainty (:mod:`.uncertainty`) and statistical
diagnostics (:mod:`.diagnostics`)."""
