"""The domain: criteria table, departments and season config as data, the scoring rules (pure
Decimal functions), findings and their catalogue, and what a collection produces. It imports no
spreadsheet, YAML, web or mail library: every other package builds on it."""
