"""Scrapy settings for civicnews.

Project-specific settings carry the ``CIVICNEWS_`` prefix and are read by
components in ``from_crawler``.  Per-portal politeness (``delay``,
``concurrency``) comes from the portal registry and is applied by the spider.
"""

from civicnews import __version__

BOT_NAME = "civicnews"
SPIDER_MODULES = ["civicnews.spiders"]
NEWSPIDER_MODULE = "civicnews.spiders"

# Scrapy 2.19 serves, by default, a token-protected endpoint on 127.0.0.1
# that executes Python code sent to it.  An unattended crawler on a shared
# machine must never expose that.
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False

CIVICNEWS_CONTACT_URL = "https://github.com/civicnews/civicnews"
USER_AGENT = f"civicnews/{__version__} (+{CIVICNEWS_CONTACT_URL})"
ROBOTSTXT_OBEY = True

# Polite defaults; the registry overrides them per portal.
DOWNLOAD_DELAY = 1.0
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 5
COOKIES_ENABLED = False
DEPTH_LIMIT = 0
# Memory flat however long the crawl (issue 15): seen requests in 8 bytes each, and a
# callback's output handed on by a few tasks, not 100 created for every page.
DUPEFILTER_CLASS = "civicnews.dupefilter.CompactDupeFilter"
CONCURRENT_ITEMS = 8

ITEM_PIPELINES = {
    "civicnews.pipelines.normalize.NormalizeTextPipeline": 100,
    "civicnews.pipelines.dates.ParseDatePipeline": 200,
    "civicnews.pipelines.validate.ValidatePipeline": 300,
    # Before what counts stored articles and the store: --max-articles bounds what is stored.
    "civicnews.pipelines.maxarticles.MaxArticlesPipeline": 750,
    "civicnews.pipelines.extraction.ExtractionPipeline": 800,
    # Attachments and images, fetched for the articles about to be stored (issue 17).
    "civicnews.pipelines.files.FilesPipeline": 850,
    "civicnews.pipelines.store.StorePipeline": 900,
}

# Every value below, and every one given with -s/--set, is checked before a crawl starts
# (civicnews.crawl_options.SETTINGS says how); scrapy crawl gets the checks from this add-on.
ADDONS = {"civicnews.crawl_options.SettingsCheck": 0}

CIVICNEWS_DB = "archive.db"
CIVICNEWS_BATCH_SIZE = 500
CIVICNEWS_COMPRESS_LEVEL = 3  # zlib level of stored raw pages (0-9)
CIVICNEWS_STORE_PROCESS = True  # write batches in a child process
CIVICNEWS_MIN_BODY_CHARS = 20
# family = "auto": pages whose summed markers settle the family when none is confident alone.
CIVICNEWS_DETECT_PAGES = 5

# Unattended runs (issue 6): incremental crawling, limits, robots.txt Crawl-delay,
# progress on a terminal.  Each component's docstring describes its settings.
SPIDER_MIDDLEWARES = {
    # Nearest the spider: it must see the spider's own output first.
    "civicnews.middlewares.incremental.IncrementalMiddleware": 950,
    # Behaviour under faults (issue 4): no tracking/session URLs, no endless listing trails.
    "civicnews.middlewares.urlcleanup.UrlCleanupMiddleware": 890,
    "civicnews.middlewares.listingdepth.ListingDepthMiddleware": 880,
}
EXTENSIONS = {
    # After AutoThrottle (0): its floor is put back after AutoThrottle adjusts a slot.
    "civicnews.extensions.crawldelay.CrawlDelay": 500,
    "civicnews.extensions.progress.Progress": 500,
    "civicnews.extensions.failures.FailuresExtension": 500,
}
CIVICNEWS_INCREMENTAL = True  # False: --full, listings walked in full
CIVICNEWS_INCREMENTAL_STOP_AFTER = 10  # consecutive archived listing entries
CIVICNEWS_REFRESH_AFTER_DAYS = None  # refetch (conditionally) articles older than this
CIVICNEWS_SINCE = None  # ISO date: stop at listing entries older than this
CIVICNEWS_MAX_ARTICLES = 0  # per portal and run; 0: no limit
CIVICNEWS_RUN_ID = None  # set by civicnews.crawl: this run's crawl_runs id
CIVICNEWS_CRAWL_DELAY_MAX = 60.0
CIVICNEWS_PROGRESS = False
CIVICNEWS_PROGRESS_INTERVAL = 1.0
# Health checks of each portal's crawl (civicnews.health): a failure exits 1.
CIVICNEWS_HEALTH_MAX_PARSE_FAILED_SHARE = 0.2
CIVICNEWS_HEALTH_MIN_ARTICLE_PAGES = 5
CIVICNEWS_HEALTH_MAX_FAILED_REQUEST_SHARE = 0.2
CIVICNEWS_HEALTH_MIN_FAILED_PAGES = 3  # fewer new failures are never an outage
CIVICNEWS_HEALTH_STALE_DAYS = 14
CIVICNEWS_HEALTH_ALLOWED_FINISH_REASONS = ["finished", "closespider_timeout", "max_articles"]
# Extraction health (civicnews.extraction): a sharp fall in a field's share warns, never fails.
CIVICNEWS_HEALTH_EXTRACTION_DROP = 0.25
CIVICNEWS_HEALTH_EXTRACTION_MIN_ARTICLES = 5
CIVICNEWS_HEALTH_EXTRACTION_RUNS = 5

# Behaviour under faults (issue 4); each component's docstring describes its settings.
DOWNLOADER_MIDDLEWARES = {
    # Scrapy's retries are immediate; this one waits (backoff, Retry-After) off the downloader.
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "civicnews.middlewares.retry.BackoffRetryMiddleware": 550,
    # After decompression (590), before anything reads response.text.
    "civicnews.middlewares.encoding.EncodingMiddleware": 585,
}
CIVICNEWS_RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry, doubled for each next one
CIVICNEWS_RETRY_BACKOFF_MAX = 30.0
CIVICNEWS_RETRY_AFTER_MAX = 120.0  # a longer Retry-After gives the page up (failed_pages)
CIVICNEWS_ENCODING_FIX = True
CIVICNEWS_LEGACY_ENCODING = "cp1258"  # for non-UTF-8 pages without a credible charset
CIVICNEWS_LISTING_DEPTH_LIMIT = 1000  # listing-to-listing hops from a start URL; 0: no limit
CIVICNEWS_URL_CLEANUP = True
CIVICNEWS_FAILURES_ENABLED = True
CIVICNEWS_FAILURES_BATCH_SIZE = 100
# A failed article is tried again after 1, 2, 4... days, and given up after 6 failures in a row.
CIVICNEWS_FAILED_RETRY_DAYS = 1.0
CIVICNEWS_FAILED_GIVE_UP_AFTER = 6
# Distributed crawling (issue 16, civicnews.distributed): a worker's lease and idle stop, seconds.
CIVICNEWS_REDIS_LEASE = 60.0
CIVICNEWS_REDIS_IDLE_STOP = 60.0
CIVICNEWS_REDIS_POLL = 1.0  # how often an idle worker looks for requests
# Attachments (civicnews.pipelines.files): documents linked by articles, body images on request.
CIVICNEWS_FILES_ENABLED = True
CIVICNEWS_FILES_MAXSIZE = 50 * 1024 * 1024  # bytes; a larger file is recorded, not stored
CIVICNEWS_FILES_EXTENSIONS = ["pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "zip", "rar"]
CIVICNEWS_FILES_IMAGES = False  # --images; a portal's `images = true` asks for its own
CIVICNEWS_FILES_IMAGES_MAXSIZE = 10 * 1024 * 1024
CIVICNEWS_FILES_MAX_REDIRECTS = 5

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
