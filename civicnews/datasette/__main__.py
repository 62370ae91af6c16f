"""Print the path of the shipped Datasette metadata file."""

from civicnews.datasette import METADATA

print(METADATA)
