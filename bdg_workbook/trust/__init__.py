"""Trust: the ward's Ed25519 keys, signing of issued workbooks and masters, and verification with public
keys only. Nothing here reads a spreadsheet; callers hand it the canonical bytes to sign or check."""
