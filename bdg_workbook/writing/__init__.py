"""Safe writing of every output: text cleaning, formula/CSV-injection neutralisation, and atomic file
writes (temporary file, fsync, rename, folder fsync)."""
