"""The Excel report as a manager reads it (read back with openpyxl, the charts' XML from the zip): which
period and which reviews each number is of, part weeks, the store's own review ids, the charts' axes."""

from __future__ import annotations

import re
import zipfile

from dashboard.report import write_report

from tests.dashboard.seed import seeded_sqlite  # noqa: F401  (fixture)


def test_every_chart_shows_its_axes(seeded_sqlite, tmp_path):
    """openpyxl 3.1 leaves `<c:delete val="0"/>` out of an axis unless told, and Excel then hides the axes and
    their labels: every chart's category and value axis says it is shown."""
    store, _, _ = seeded_sqlite
    path = write_report(store, tmp_path / "r.xlsx")
    with zipfile.ZipFile(path) as z:
        charts = {n: z.read(n).decode() for n in z.namelist() if n.startswith("xl/charts/chart")}
    assert len(charts) == 6
    for name, xml in charts.items():
        axes = re.findall(r"<(?:c:)?(catAx|valAx|dateAx)>(.*?)</(?:c:)?\1>", xml, re.S)
        assert len(axes) == 2, name
        for kind, body in axes:
            assert re.search(r'<(?:c:)?delete val="0"\s*/>', body), (name, kind)
