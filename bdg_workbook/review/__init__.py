"""The ward's review round (thẩm định): read the officer's verified points from a master, judge each
entry, recompute, and write the next signed version with a cumulative audit log."""
