"""CLI command groups, one module per feature; mounted by civicnews.cli.COMMAND_MODULES."""
