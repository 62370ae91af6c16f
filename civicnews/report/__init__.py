"""``civicnews report``: a coverage report of an archive as one static HTML page.

Per portal and for all of them: articles per month (gaps marked), extraction health over
time, content changes per month, failed and gone pages, cross-posted articles and the last
crawl runs with their outcome.  :func:`civicnews.report.figures.collect` reads the figures
(plain data), :func:`civicnews.report.html.render` draws them (inline SVG, no script).
"""

from civicnews.report.figures import STEPS, Report, collect
from civicnews.report.html import render

__all__ = ["STEPS", "Report", "collect", "render"]
