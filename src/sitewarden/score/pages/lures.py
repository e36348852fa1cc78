"""Structural lures that need no brand and no vocabulary: harvesting forms, app downloads, wallets, chat,
obfuscation and off-site redirects. Each is weak alone (honest shops take cards, honest apps ship APKs);
they matter in combination with brand or genre signals.
"""

from __future__ import annotations

from sitewarden.domain.models import FraudType, Signal
from sitewarden.enrich.page import PageFacts, url_host
from sitewarden.enrich.page_brands import site_of
from sitewarden.enrich.page_patterns import SENSITIVE_KINDS

# Login secrets, card data and identity numbers on one page: what no single honest step asks for at once.
MANY_SENSITIVE = 4
# Honest sites have optional referral boxes too: corroboration only.
INVITE_WEIGHT = 0.25
_SIGNUP_KINDS = frozenset({"password", "phone", "otp"})
_STRONG_OBFUSCATION = {"packer", "hex_identifiers", "document_write_escaped", "hex_escapes"}
# Field combinations that honest single-purpose pages rarely ask for together.
_HARVEST_COMBOS: tuple[tuple[frozenset[str], float], ...] = (
    (frozenset({"card_number", "pin"}), 0.4),
    (frozenset({"card_number", "id_number"}), 0.3),
    (frozenset({"card_number", "otp"}), 0.25),
    (frozenset({"id_number", "password"}), 0.2),
    (frozenset({"pin"}), 0.2),
)


def _form_signals(facts: PageFacts) -> list[Signal]:
    signals: list[Signal] = []
    kinds = facts.input_kinds
    if "invite_code" in kinds and kinds & _SIGNUP_KINDS:
        signals.append(
            Signal(
                "invitation_code_signup",
                INVITE_WEIGHT,
                "sign-up asks for an invitation / referral code: scam platforms (investment, gambling, "
                "order boosting, loans) credit recruiters this way",
                fraud_type=FraudType.OTHER,
                evidence={"input_kinds": sorted(kinds)},
            )
        )
    sensitive = sorted(kinds & SENSITIVE_KINDS)
    combo = max((w for need, w in _HARVEST_COMBOS if need <= kinds), default=0.0)
    if len(sensitive) >= MANY_SENSITIVE:
        combo = max(combo, 0.5)
    if combo:
        signals.append(
            Signal(
                "sensitive_field_combination",
                combo,
                f"one page asks for {', '.join(sorted(kinds))}",
                fraud_type=FraudType.PHISHING,
                evidence={"input_kinds": sorted(kinds)},
            )
        )
    for form in facts.forms:
        if form.posts_to_other_host and set(form.input_kinds) & SENSITIVE_KINDS:
            target = "an e-mail address" if form.action_host == "mailto" else form.action_host
            signals.append(
                Signal(
                    "form_posts_elsewhere",
                    0.35 if form.action_host == "mailto" else 0.15,
                    f"form asking for {', '.join(sensitive)} sends them to {target}, not to {facts.host}",
                    fraud_type=FraudType.PHISHING,
                    evidence={
                        "action": form.action,
                        "action_host": form.action_host,
                        "input_kinds": sensitive,
                    },
                )
            )
            break
    return signals


def lure_signals(facts: PageFacts) -> list[Signal]:
    if not facts.is_html:
        if facts.binary_kind in ("apk", "ipa", "exe"):
            return [
                Signal(
                    "serves_app_binary",
                    0.5,
                    f"the URL serves a {facts.binary_kind} file directly instead of a page",
                    fraud_type=FraudType.MALWARE_DOWNLOAD,
                    evidence={"binary_kind": facts.binary_kind},
                )
            ]
        return []
    signals = _form_signals(facts)
    if facts.app_links:
        signals.append(
            Signal(
                "app_download_link",
                0.2,
                f"page offers app downloads outside an app store: {', '.join(facts.app_links[:3])}",
                fraud_type=FraudType.MALWARE_DOWNLOAD,
                evidence={"links": facts.app_links[:10]},
            )
        )
    if facts.wallets:
        signals.append(
            Signal(
                "crypto_wallet",
                0.15,
                f"page shows crypto wallet address(es) {', '.join(facts.wallets[:3])}",
                fraud_type=FraudType.INVESTMENT_SCAM,
                evidence={"wallets": facts.wallets},
            )
        )
    if facts.chat_widgets:
        signals.append(
            Signal(
                "chat_widget",
                0.06,
                f"customer-service chat on the page ({', '.join(facts.chat_widgets[:3])})",
                evidence={"widgets": facts.chat_widgets},
            )
        )
    strong = sorted(set(facts.obfuscation) & _STRONG_OBFUSCATION)
    if strong or len(facts.obfuscation) >= 3:
        signals.append(
            Signal(
                "obfuscated_script",
                0.15 if strong else 0.08,
                f"inline scripts are obfuscated ({', '.join(facts.obfuscation)})",
                evidence={"markers": facts.obfuscation},
            )
        )
    site = site_of(facts.host) if facts.host else ""
    away = [r for r in facts.redirects if site and url_host(r) and site_of(url_host(r)) != site]
    if away:
        signals.append(
            Signal(
                "redirects_elsewhere",
                0.1,
                f"page sends visitors on to {away[0]}",
                evidence={"targets": away[:5]},
            )
        )
    return signals
