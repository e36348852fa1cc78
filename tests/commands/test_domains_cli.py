"""`sitewarden score-domains`: formats, CSV/TSV input, bad lines, bad files."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from sitewarden.cli import app
from sitewarden.commands.domains import Format, screen_stream
from sitewarden.settings import load_settings

runner = CliRunner()


def jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


def test_plain_lines_from_stdin_give_jsonl_in_order_with_errors_per_line() -> None:
    result = runner.invoke(app, ["score-domains"], input="example.com\n\nhttp://[bad/\nlogin-paypal-verify.xyz\n")
    assert result.exit_code == 0, result.output
    records = jsonl(result.stdout)
    assert [r["input"] for r in records] == ["example.com", "", "http://[bad/", "login-paypal-verify.xyz"]
    assert records[0]["verdict"] in ("allow", "review", "block") and 0 <= records[0]["score"] <= 1
    assert records[1]["error"].startswith("line 2: ") and records[2]["error"].startswith("line 3: ")
    assert set(records[3]) == {"input", "host", "registrable_domain", "score", "verdict", "brand", "reasons"}


def test_csv_and_tsv_with_a_host_or_domain_column(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("id,Domain,owner\n1,example.org,a\n2,,b\n3,www.baidu.com,c\n")
    (tmp_path / "in.tsv").write_text("host\tnote\nexample.org\tx\n")
    records = jsonl(runner.invoke(app, ["score-domains", str(tmp_path / "in.csv")]).stdout)
    assert [r["input"] for r in records] == ["example.org", "", "www.baidu.com"]
    assert records[1]["error"].startswith("line 3: ")
    assert records[2]["registrable_domain"] == "baidu.com"
    assert jsonl(runner.invoke(app, ["score-domains", str(tmp_path / "in.tsv")]).stdout)[0]["host"] == "example.org"


def test_csv_output_is_safe_from_formula_injection(tmp_path: Path) -> None:
    (tmp_path / "in.txt").write_text("=HYPERLINK(\"http://x\")\nexample.com\n")
    result = runner.invoke(app, ["score-domains", str(tmp_path / "in.txt"), "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[0]["input"].startswith("'=") and rows[0]["error"].startswith("line 1: ")
    assert rows[1]["host"] == "example.com" and json.loads(rows[1]["reasons"])


def test_table_format_and_missing_file(tmp_path: Path) -> None:
    result = runner.invoke(app, ["score-domains", "-", "--format", "table"], input="example.com\nbad host\n")
    assert result.exit_code == 0 and "example.com" in result.stdout and "line 2" in result.stdout
    missing = runner.invoke(app, ["score-domains", str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2 and "cannot read" in missing.output


def test_screen_stream_counts_records() -> None:
    out = io.StringIO()
    n = screen_stream(io.StringIO("a.com\nb.org\n"), out, Format.JSONL, load_settings())
    assert n == 2 and len(out.getvalue().splitlines()) == 2


def test_model_group_offers_train_domains_and_names_missing_data(tmp_path: Path) -> None:
    result = runner.invoke(app, ["model", "train-domains", "--data", str(tmp_path), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "no such file" in result.output
