"""Publishing: the store of published runs and its lifecycle (:mod:`.store`,
:mod:`.publication`), media tables and workbooks (:mod:`.export`), the files
``evaluation export`` writes (:mod:`.media`), figures (:mod:`.plots`), the committee
report (:mod:`.report`) and feedback letters (:mod:`.letters`)."""
