"""Stage 3, narrative: house-style prose, the templates' context and the cited context figures.

Imports flow one way: inputs -> analysis -> narrative -> publication (config and yamlfile serve all)."""
