"""The commands of the CLI, one module per command or feature; civicnews.cli assembles them."""
