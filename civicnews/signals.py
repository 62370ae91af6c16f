"""civicnews' own Scrapy signals (sent with ``crawler.signals.send_catch_log``).

``page_failed(failure, spider)``: a request finally failed (after retries and
redirects): the spider's errback sends it; ``extensions.failures`` records it.

``family_detected(family, detection, spider)``: a portal configured ``family = "auto"``
has settled on ``family`` (a :class:`civicnews.parsers.detect.Detection` says why);
components that key URLs by family (``IncrementalMiddleware``) follow it.
"""

page_failed = object()
family_detected = object()
