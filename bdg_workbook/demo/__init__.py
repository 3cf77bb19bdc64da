"""The demo season: departments' answers simulated (typed or realistic random fillings written into the
issued workbooks) and the whole season run end to end on the built-in default."""
