"""The correction loop (issue 16): each unit's return has a state per season, the ward sends back what to fix.

``states`` (states, events, folding), ``overview`` (status rows), ``journal`` (durable JSON-lines record in ``output/<year>/``),
``sync`` (automatic transitions from a collection, kept copies, resubmission comparison via ``compare``),
``decisions`` (the officer's approve/reject/ask/comment), ``request`` (phiếu đề nghị bổ sung, marked
workbook by ``untrusted.marking``, email), ``counting`` (which returns the master counts). Imports collect, documents,
mail and domain; never cli or web.
"""
