"""The season archive: one SQLite database in the working folder recording every collection, review round and send.

Owns ``archive.sqlite3`` (stdlib sqlite3, versioned schema with forward migrations, one transaction per
recorded run) and the per-file result cache that lets ``collect`` skip files it has already read. Everything
in it except the review and send history can be rebuilt from the inbox. May import domain and writing only;
the CLI passes it results, the collector sees only its ``ResultCache`` protocol.
"""
