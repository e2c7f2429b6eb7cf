"""Risk: graded warning rules (:mod:`.rules`), the warning ledger across runs
(:mod:`.ledger`) and the data-quality screen of the reports (:mod:`.quality`)."""
