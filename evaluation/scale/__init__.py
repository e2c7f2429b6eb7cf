"""National scale: scoring from files too large for memory (:mod:`.national`), block
by block, optionally on a cluster (:mod:`.distributed`)."""
