"""Stage 1, inputs: the codebook, validation of a survey wave, the PCN reference frame, synthetic example waves.

Imports flow one way: inputs -> analysis -> narrative -> publication (config and yamlfile serve all)."""
