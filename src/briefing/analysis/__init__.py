"""Stage 2, analysis: statistics and the findings computed from a validated wave and its frame.

Imports flow one way: inputs -> analysis -> narrative -> publication (config and yamlfile serve all)."""
