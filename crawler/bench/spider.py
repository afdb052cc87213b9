"""Scrapy baseline for the crawler benchmark: follow every link on the
fixture host, obey robots.txt, parse each page's title (Scrapy's usual
minimum), 64 concurrent requests, no delay, depth 12 like gongkai."""
import scrapy
from scrapy.linkextractors import LinkExtractor
from scrapy.spiders import CrawlSpider, Rule


class PortalSpider(CrawlSpider):
    name = "portal"
    allowed_domains = ["127.0.0.1"]
    rules = [Rule(LinkExtractor(), callback="parse_item", follow=True)]
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "DOWNLOAD_DELAY": 0,
        "DEPTH_LIMIT": 12,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
    }

    def __init__(self, url=None, *a, **kw):
        super().__init__(*a, **kw)
        self.start_urls = [url]

    def parse_item(self, response):
        yield {"url": response.url, "title": response.css("title::text").get()}
