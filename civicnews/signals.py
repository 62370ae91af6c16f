"""civicnews' own Scrapy signals (sent with ``crawler.signals.send_catch_log``).

``page_failed(failure, spider)``: a request finally failed (after retries and
redirects): the spider's errback sends it; ``extensions.failures`` records it.
"""

page_failed = object()
