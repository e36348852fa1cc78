"""ICP filing: mainland-China sites must show a filing number; a missing or malformed one is a weak signal.

Never a verdict alone (many honest small sites forget it, and phishing kits copy real numbers from the
banks they imitate), so the weights stay far below the review threshold.
"""

from __future__ import annotations

import re

from sitewarden.domain.models import Signal
from sitewarden.enrich.page import PageFacts

MISSING_WEIGHT = 0.05
MALFORMED_WEIGHT = 0.12


# Frequent characters written differently in simplified (mainland) and traditional (HK, Macau, Taiwan) Chinese.
_SIMPLIFIED = re.compile("[们这说会国与为个来时对发后过还经业务贷银东车门长开关]")
_TRADITIONAL = re.compile("[們這說會國與為個來時對發後過還經業務貸銀東車門長開關]")


def _aimed_at_mainland(facts: PageFacts, host: str) -> bool:
    """Simplified-Chinese text on a site that is not under a Hong Kong, Macau or Taiwan suffix."""
    if facts.language != "zh" or host.endswith((".hk", ".mo", ".tw")):
        return False
    sample = facts.text[:5000]
    return len(_SIMPLIFIED.findall(sample)) >= len(_TRADITIONAL.findall(sample))


def icp_signals(facts: PageFacts, host: str) -> list[Signal]:
    if not facts.is_html or not _aimed_at_mainland(facts, host):
        return []
    if facts.icp_valid is None:
        return [Signal("icp_missing", MISSING_WEIGHT, "Chinese-language site shows no ICP filing number")]
    if not facts.icp_valid:
        return [
            Signal(
                "icp_malformed",
                MALFORMED_WEIGHT,
                f"ICP filing text {facts.icp_text!r} does not have the form <province>ICP备<6-10 digits>号",
                evidence={"icp_text": facts.icp_text},
            )
        ]
    return []
