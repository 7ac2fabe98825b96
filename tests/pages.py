"""Reading the HTML pages jobgraph serves: which scripts, stylesheets and icons they load."""

from __future__ import annotations

from html.parser import HTMLParser


class AssetCollector(HTMLParser):
    """Collects every <script src>, stylesheet and icon <link href> of a page, and its <title>."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.links: list[str] = []
        self.icons: list[str] = []
        self.titles: list[str] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src") is not None:
            self.scripts.append(str(values["src"]))
        if tag == "link" and values.get("href") is not None:
            rel = (values.get("rel") or "").split()
            (self.icons if "icon" in rel else self.links).append(str(values["href"]))
        self._in_title = tag == "title"

    def handle_endtag(self, tag: str) -> None:
        self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.titles.append(data.strip())


def collect(page: str) -> AssetCollector:
    collector = AssetCollector()
    collector.feed(page)
    collector.close()
    return collector
