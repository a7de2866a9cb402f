"""Stage 4, publication: charts and the rendered, published briefing.

Imports flow one way: inputs -> analysis -> narrative -> publication (config and yamlfile serve all)."""
