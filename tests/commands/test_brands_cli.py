"""`sitewarden brands check|list|show`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sitewarden.cli import app

runner = CliRunner()
ACME = {
    "id": "acme",
    "name": "ACME",
    "category": "cloud",
    "domains": ["acme-hosting.com"],
    "keywords": ["acmehosting"],
}


def test_check_reports_added_and_overridden(tmp_path: Path) -> None:
    shown = runner.invoke(app, ["brands", "show", "icbc"])
    assert shown.exit_code == 0, shown.output
    icbc = json.loads(shown.stdout)
    assert icbc["domains"][0] == "icbc.com.cn" and "工商银行" in icbc["names"]
    icbc["domains"].append("icbc-partner.com")
    path = tmp_path / "brands.json"
    path.write_text(json.dumps([ACME, icbc], ensure_ascii=False), encoding="utf-8")
    result = runner.invoke(app, ["brands", "check", str(path)])
    assert result.exit_code == 0, result.output
    assert "ok: 1 added, 1 overridden" in result.stdout
    assert "added acme" in result.stdout and "overrides icbc" in result.stdout


def test_check_names_the_bad_entry(tmp_path: Path) -> None:
    path = tmp_path / "brands.json"
    path.write_text(
        json.dumps([ACME, {**ACME, "id": "acme2", "domains": ["www.acme.com"]}]), encoding="utf-8"
    )
    result = runner.invoke(app, ["brands", "check", str(path)])
    assert result.exit_code == 1
    assert "[1] (id 'acme2') field 'domains'[0]: 'www.acme.com' is not a registrable domain" in result.stderr


def test_list_and_show(tmp_path: Path) -> None:
    result = runner.invoke(app, ["brands", "list", "--category", "carrier"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert any(line.startswith("chinamobile\tcarrier\tCN\t10086.cn\t") for line in lines)
    assert all("\tcarrier\t" in line for line in lines)
    assert runner.invoke(app, ["brands", "show", "no-such-brand"]).exit_code == 1
