"""The network page's tables written in Python: escaped, and each branch the template had."""

from __future__ import annotations

from coalition_app.network.views import institution_rows, mixing_rows, over_time_rows


def test_over_time_rows_show_a_dash_without_a_share_and_escape_the_labels(app):
    rows = [
        {"label": "<2019>", "node_count": 1200, "density": 0.5, "largest_component_size": 3,
         "cross_sector_share": None},
        {"label": "2020", "node_count": 4, "density": 0.25, "largest_component_size": 4,
         "cross_sector_share": 0.625},
    ]  # fmt: skip
    with app.test_request_context(headers={"Accept-Language": "en"}):
        page = str(over_time_rows(rows, ["A & B", "D", "L", "C"]))
    assert '<th scope="row" class="fw-normal">&lt;2019&gt;</th>' in page
    assert 'data-label="A &amp; B">1,200</td>' in page
    assert '<td data-label="C">–</td>' in page
    assert "w-pct-62" in page and '<span class="small">62 %</span>' in page


def test_mixing_rows_shade_each_cell_of_the_largest(app):
    matrix = {"a": {"a": 10, "b": 1}, "b": {"a": 1, "b": 0}}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        page = str(mixing_rows(matrix, {"a": "A <x>"}))
    assert page.count("<tr>") == 2
    assert '<td class="heat-9">10</td>' in page and '<td class="heat-1">1</td>' in page
    assert '<td class="heat-0">0</td>' in page and "A &lt;x&gt;</th>" in page
    with app.test_request_context():
        assert '<td class="heat-0">0</td>' in str(mixing_rows({"a": {"a": 0}}, {}))


def test_institution_rows_escape_names_and_write_no_closeness_as_minus_one(app):
    node = {"id": 7, "label": 'Uni "A" & B', "degree": 2, "weighted_degree": 2.5,
            "betweenness": 0.1, "eigenvector": 0.2, "closeness": None, "sectors_reached": 1,
            "broker": 3, "sector": "academia"}  # fmt: skip

    def number(value, digits=0):
        return "–" if value is None else f"{value:.{digits}f}"

    with app.test_request_context():
        page = str(institution_rows([node], {}, number, list("SDWBECRK")))
    assert 'data-label="Uni &#34;A&#34; &amp; B"' in page and 'data-closeness="-1"' in page
    assert '<td class="text-end" data-label="W">2.5</td>' in page
    assert '<td class="text-end" data-label="C">–</td>' in page
    assert "sector-academia" in page and "</span> academia</td>" in page
