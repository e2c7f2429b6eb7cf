"""Intake: read agencies' files (:mod:`.io`), the table schemas as data
(:mod:`.schemas`) and their validation with one report of every fault
(:mod:`.validate`); the submission templates agencies fill in (:mod:`.template`)."""
