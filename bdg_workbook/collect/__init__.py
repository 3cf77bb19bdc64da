"""Collection: the inbox (``.xlsx`` and saved ``.eml``), per-file worker isolation with time and memory
bounds, the rule families that judge each return, the cross-file rules, and the collector that turns
a folder of returns into one ``CollectResult``; plus the submission status per department."""
