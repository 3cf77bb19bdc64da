"""Rule families of the collector; each module yields Findings and declares the codes it can emit."""
