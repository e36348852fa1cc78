"""The demo farm's sites, scored from their static files: hard negatives stay clean, static fraud is found.

Sites whose fraud only shows after a redirect hop or JavaScript (zfb-anquan-zhongxin.com builds its form
in script, go.dwz-jump.top only redirects) or only in images (jinsha-yule888.com) need the fetcher and
renderer; the scan pipeline's tests cover those.
"""

from __future__ import annotations

import pytest

from sitewarden.demo.farm import SITES_DIR
from sitewarden.demo.sites import BENIGN, FRAUD, SITES
from sitewarden.domain.models import Verdict
from sitewarden.score.pages.combine import PageAssessment, worst_page

NEEDS_FETCH_OR_RENDER = {"zfb-anquan-zhongxin.com", "go.dwz-jump.top", "jinsha-yule888.com"}


def site_result(host: str) -> PageAssessment | None:
    root = SITES_DIR / host
    pages = [(f"http://{host}/{p.relative_to(root)}", p.read_bytes()) for p in sorted(root.rglob("*.html"))]
    return worst_page(pages, host)


@pytest.mark.parametrize("site", [s for s in SITES if s.label == BENIGN], ids=lambda s: s.host)
def test_benign_demo_sites_are_not_flagged(site):
    result = site_result(site.host)
    assert result is None or result.assessment.verdict == Verdict.ALLOW, result.assessment.reasons()


@pytest.mark.parametrize(
    "site",
    [s for s in SITES if s.label == FRAUD and s.host not in NEEDS_FETCH_OR_RENDER],
    ids=lambda s: s.host,
)
def test_static_fraud_demo_sites_are_flagged(site):
    result = site_result(site.host)
    assert result is not None and result.assessment.verdict != Verdict.ALLOW
    assert result.assessment.signals[0].detail
