"""Stage 1, inputs: the codebook, reading and validating a survey wave, resolving its files and reference frame.

Imports flow one way: inputs -> analysis -> narrative -> publication (config and yamlfile serve all)."""
