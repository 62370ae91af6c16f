"""Spiders: they decide what to crawl; ``civicnews.parsers`` decide what pages mean."""
