"""The pages in a real browser: Debian's Chromium, headless, driven by Playwright, from disk."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from processor.cli import main
from tests.test_html import HOSTILE, hostile_batch

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not shutil.which(CHROMIUM):
        pytest.fail("Chromium is not installed at /usr/bin/chromium; .ci/run installs it with apt-get")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo_browser")
    assert main(["demo", "--year", "2021", "--out", str(out), "--workers", "1"], stdout=io.StringIO(),
                stderr=io.StringIO()) == 0
    return out / "html"


class Watched:
    """A page with every console error, page error, request and dialog recorded."""

    def __init__(self, browser: Browser, javascript: bool = True) -> None:
        self.context = browser.new_context(java_script_enabled=javascript, locale="vi-VN")
        self.page: Page = self.context.new_page()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog) -> None:  # type: ignore[no-untyped-def]
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def visible_rows(self) -> list[dict[str, str]]:
        return self.page.eval_on_selector_all(
            "#units tbody tr:not([hidden])",
            "rows => rows.map(r => ({code: r.dataset.code, total: r.dataset.total, cls: r.dataset.class,"
            " name: r.cells[1].innerText}))")

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def watched(browser) -> Iterator[Watched]:
    w = Watched(browser)
    yield w
    w.close()


def test_index_shows_every_unit_without_errors_or_network(watched, demo):
    watched.page.goto((demo / "index.html").as_uri())
    rows = watched.visible_rows()
    assert len(rows) == 41
    assert {"SNV", "HCCB", "X017", "TTGDNN"} <= {r["code"] for r in rows}
    assert watched.page.locator("#shown-count").inner_text() == "41 / 41"
    assert watched.errors == []
    assert watched.requests and all(url.startswith("file://") for url in watched.requests)
    assert all(url.startswith(demo.as_uri()) for url in watched.requests)


def test_sort_by_total_both_ways(watched, demo):
    watched.page.goto((demo / "index.html").as_uri())
    header = watched.page.locator('th[data-key="total"] button')
    header.click()
    totals = [float(r["total"]) for r in watched.visible_rows() if r["total"]]
    assert totals == sorted(totals) and len(totals) > 30
    assert watched.visible_rows()[-1]["total"] == ""  # units without a total go last
    header.click()
    totals = [float(r["total"]) for r in watched.visible_rows() if r["total"]]
    assert totals == sorted(totals, reverse=True)
    assert watched.page.locator('th[data-key="total"]').get_attribute("aria-sort") == "descending"


def test_filter_by_class_group_and_status(watched, demo):
    watched.page.goto((demo / "index.html").as_uri())
    watched.page.select_option("#filter-class", "Khá")
    rows = watched.visible_rows()
    assert rows and all(r["cls"] == "Khá" for r in rows)
    assert len(rows) == 13
    watched.page.select_option("#filter-group", "UBND xã, phường")
    assert all(r["code"].startswith("X") for r in watched.visible_rows())
    watched.page.select_option("#filter-class", "")
    watched.page.select_option("#filter-group", "")
    watched.page.select_option("#filter-status", "Chưa nộp")
    assert sorted(r["code"] for r in watched.visible_rows()) == ["HCCB", "X017"]


@pytest.mark.parametrize(("query", "codes"), [("so noi vu", ["SNV"]), ("SO  NOI VU", ["SNV"]),
                                               ("da mai", ["X005"]), ("khong co don vi nay", [])])
def test_search_ignores_diacritics(watched, demo, query, codes):
    watched.page.goto((demo / "index.html").as_uri())
    watched.page.fill("#search", query)
    assert [r["code"] for r in watched.visible_rows()] == codes
    assert watched.page.locator("#no-match").is_visible() == (not codes)


def test_link_to_unit_page_and_back(watched, demo):
    watched.page.goto((demo / "index.html").as_uri())
    watched.page.fill("#search", "so noi vu")
    watched.page.locator("#units tbody tr:not([hidden]) td:nth-child(2) a").click()
    assert watched.page.url.endswith("/html/SNV.html")
    box = watched.page.locator(".fix-box")
    assert "Cần sửa trước khi nộp lại" in box.inner_text()
    assert "ô D25" in box.inner_text()
    assert watched.page.locator(".badge").inner_text() == "Cần sửa"
    # 3c: the circular numbers it c) under khoản 3
    assert watched.page.locator("tr.has-issue td:first-child").all_inner_texts() == ["c)"]
    assert watched.page.locator("tr.has-issue td.label").all_inner_texts() == [
        "Góp phần tạo lập môi trường chia sẻ tri thức với các đơn vị khác"]
    watched.page.locator("#back-to-index").click()
    assert watched.page.url.endswith("/html/index.html")
    assert watched.errors == []
    assert all(url.startswith("file://") for url in watched.requests)


def test_page_is_complete_without_javascript(browser, demo):
    w = Watched(browser, javascript=False)
    try:
        w.page.goto((demo / "index.html").as_uri())
        assert w.page.locator("#units tbody tr").count() == 41
        assert not w.page.locator("#controls").is_visible()
        assert "Sở Nội vụ" in w.page.locator("#units").inner_text()
    finally:
        w.close()


def test_print_layout_hides_navigation(watched, demo):
    watched.page.goto((demo / "SNV.html").as_uri())
    watched.page.emulate_media(media="print")
    assert not watched.page.locator("nav").is_visible()
    assert watched.page.locator("table.scores").is_visible()


def test_hostile_submission_is_shown_literally_and_runs_nothing(watched, make_submission, tmp_path):
    html = hostile_batch(make_submission, tmp_path).index.parent
    watched.page.goto((html / "index.html").as_uri())
    assert HOSTILE["script"] in watched.page.locator("#units").inner_text()
    watched.page.locator("#units tbody a", has_text="Sở Độc").click()
    body = watched.page.locator("body").inner_text()
    for text in (HOSTILE["script"], HOSTILE["img"], HOSTILE["js_url"], HOSTILE["formula"]):
        assert text in body, text
    assert watched.page.locator("img").count() == 0
    assert watched.page.locator("script").count() == 0
    assert watched.page.locator("a[href^='javascript']").count() == 0
    assert watched.page.locator("body").is_visible()  # the planted </style> hid nothing
    assert watched.dialogs == []
    assert watched.errors == []
    assert all(url.startswith("file://") for url in watched.requests)
