"""The roll-up to the level above: signed ward masters in, verified against each ward's public key, one
ranked report out; one bad ward never stops the others."""
