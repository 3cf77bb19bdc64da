"""The built-in default templates (criteria table, departments, season config, email), shipped in the wheel."""
