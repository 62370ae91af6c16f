"""FilesPipeline's configuration and link selection, built without a crawl."""

from __future__ import annotations

import pytest
from itemadapter import ItemAdapter
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from civicnews.pipelines.files import FilesPipeline, file_extension
from civicnews.registry import Portal


def portal(**kw):
    return Portal("p", "P", "liferay", ("https://p.gov.vn/",), ("p.gov.vn",), **kw)


def test_switched_off_and_in_workers_it_is_not_configured():
    with pytest.raises(NotConfigured):
        FilesPipeline.from_crawler(get_crawler(settings_dict={"CIVICNEWS_FILES_ENABLED": False}))
    with pytest.raises(NotConfigured):
        FilesPipeline.from_crawler(get_crawler(settings_dict={"CIVICNEWS_REDIS_JOB": "j"}))


def test_settings_are_read_once_from_the_crawler():
    pipe = FilesPipeline.from_crawler(
        get_crawler(
            settings_dict={
                "CIVICNEWS_FILES_MAXSIZE": 1234,
                "CIVICNEWS_FILES_EXTENSIONS": "pdf, .DOCX",
                "CIVICNEWS_FILES_IMAGES": "true",
                "CIVICNEWS_FILES_IMAGES_MAXSIZE": 99,
                "CIVICNEWS_FILES_MAX_REDIRECTS": 2,
            }
        )
    )
    assert (pipe.maxsize, pipe.images, pipe.images_maxsize, pipe.max_redirects) == (
        1234, True, 99, 2)  # fmt: skip
    assert pipe.extensions == {"pdf", "docx"}


@pytest.mark.parametrize(
    "url,ext",
    [
        ("https://p.gov.vn/Uploads/QD%20123.PDF", "pdf"),
        ("https://p.gov.vn/documents/20182/0/QD-123.docx/7f1c-aa?t=1", "docx"),
        ("https://p.gov.vn/tin-tuc/bai-viet-123.htm", "htm"),
        ("https://p.gov.vn/download?id=5", ""),
    ],
)
def test_file_extension(url, ext):
    assert file_extension(url) == ext


def test_links_keep_allowed_documents_and_images_only_when_asked():
    pipe = FilesPipeline(maxsize=10)
    item = ItemAdapter(
        {
            "fetched_url": "https://p.gov.vn/tin/1",
            "attachments": [
                {"name": "QĐ 1", "url": "https://p.gov.vn/a.pdf#page=2"},
                {"name": "QĐ 1 again", "url": "https://p.gov.vn/a.pdf"},
                {"name": "slides", "url": "https://p.gov.vn/b.pptx"},
            ],
            "images": [{"url": "https://p.gov.vn/i.jpg", "caption": "Ảnh"}],
        }
    )
    links = pipe.links(item, portal())
    assert [(x["url"], x["name"], x["referer"]) for x in links] == [
        ("https://p.gov.vn/a.pdf", "QĐ 1", "https://p.gov.vn/tin/1")
    ]
    with_images = pipe.links(item, portal(images=True))
    assert [(x["url"], x["kind"], x["source"]) for x in with_images][1:] == [
        ("https://p.gov.vn/i.jpg", "image", "image")
    ]


def test_allowed_hosts_are_the_portal_domains_and_its_file_hosts():
    pipe = FilesPipeline()
    p = portal(file_hosts=("vanban.hanoi.gov.vn",))
    assert pipe._allowed("https://www.p.gov.vn/a.pdf", p)
    assert pipe._allowed("https://vanban.hanoi.gov.vn/a.pdf", p)
    assert not pipe._allowed("https://evil.example/a.pdf", p)
    assert not pipe._allowed("ftp://p.gov.vn/a.pdf", p)
