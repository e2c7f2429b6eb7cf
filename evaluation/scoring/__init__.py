"""Scoring stages over validated tables: roll-up and missing-data rules
(:mod:`.prepare`), outlier treatment (:mod:`.treat`), normalisation (:mod:`.normalise`),
weights (:mod:`.weights`), aggregation up the hierarchy (:mod:`.aggregate`, with the
MCDA methods of :mod:`.mcda`) and ranks (:mod:`.rank`)."""
