"""Pages of a long list: which page numbers a pager links to, and reading `?page=`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from werkzeug.exceptions import BadRequest


class Paged:
    """What a pager shows of one page of results (`page_size` a page): the page numbers it
    links to and the range of results on this page. Mixed into a page's dataclass, which has
    `query.page`, `total` and `pages`."""

    page_size: ClassVar[int]
    if TYPE_CHECKING:  # the dataclass's own fields
        query: Any
        total: int
        pages: int

    @property
    def page_links(self) -> list[int | None]:
        """Page numbers to link to, None where a gap is shown."""
        return page_links(self.query.page, self.pages)

    @property
    def first_index(self) -> int:
        page: int = self.query.page
        return (page - 1) * self.page_size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        page: int = self.query.page
        return min(self.total, page * self.page_size)


def page_links(current: int, last: int) -> list[int | None]:
    """Page numbers to link to around `current`, None where a gap is shown.

    >>> page_links(5, 9)
    [1, None, 3, 4, 5, 6, 7, None, 9]
    """
    wanted = {1, last, *range(max(1, current - 2), min(last, current + 2) + 1)}
    links: list[int | None] = []
    previous = 0
    for number in sorted(wanted):
        if number - previous > 1:
            links.append(None)
        links.append(number)
        previous = number
    return links


def page_number(text: str | None) -> int:
    """The page asked for by `?page=` (1 when absent); anything but a small positive number
    of ASCII digits is a 400 ("²" is a digit to isdigit, not to int)."""
    text = text or "1"
    if not (text.isascii() and text.isdigit()) or len(text) > 7 or int(text) < 1:
        raise BadRequest()
    return int(text)
