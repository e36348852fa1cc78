"""Dashboard pages: captured script payloads stay inert, evidence is served safely, the queue filters and
bulk-triages through htmx, the overview charts' data, and the case page's workflow forms."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from sitewarden.store import repos
from sitewarden.store.schema import Case, utcnow
from sitewarden.web import auth
from sitewarden.web.app import create_app
from sitewarden.work.api import Context
from tests.casework_support import PNG, make_case

PAYLOAD = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'


@pytest.fixture
def ui(ctx: Context) -> TestClient:
    for user, role in (("ana", "analyst"), ("bob", "approver"), ("aud", "auditor")):
        auth.create_user(ctx.store, user, f"{user}-password-123", role)
    return TestClient(create_app(ctx.settings, ctx))


def as_user(ui: TestClient, ctx: Context, user: str) -> str:
    cookie, csrf = auth.login(ctx.store, ctx.settings, user, f"{user}-password-123", "127.0.0.1") or ("", "")
    ui.cookies.set(auth.SESSION_COOKIE, cookie)
    return csrf


def test_script_payloads_in_captured_content_are_inert(ui: TestClient, ctx: Context) -> None:
    case_id = make_case(ctx.store, "xss.example", title=PAYLOAD, detail=f"brand shown as {IMG}")
    with ctx.store.write() as s:
        s.get(Case, case_id).tenant.name = PAYLOAD  # type: ignore[union-attr]
    as_user(ui, ctx, "aud")
    for url in (f"/cases/{case_id}", "/cases", "/", "/tenants"):
        r = ui.get(url)
        assert r.status_code == 200, url
        assert "<script>alert" not in r.text and "<img src=x" not in r.text, url
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert "'unsafe-inline'" not in r.headers["content-security-policy"]
    page = ui.get(f"/cases/{case_id}").text
    assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in page
    assert "<script" not in page.replace('<script src="/static/', "")  # only our own static scripts
    assert " style=" not in page and "<style" not in page  # CSP forbids inline styles too


def test_evidence_served_as_png_and_inert_text(ui: TestClient, ctx: Context) -> None:
    body = f"<html><title>{PAYLOAD}</title></html>".encode()
    parts = {"screenshot": ctx.blobs.put(PNG), "body": ctx.blobs.put(body)}
    manifest = ctx.blobs.put(json.dumps({"parts": parts}).encode())
    case_id = make_case(ctx.store, "shot.example", manifest=manifest, rendered=True)
    other = make_case(ctx.store, "other.example")
    as_user(ui, ctx, "aud")
    with ctx.store.read() as s:
        scan_id = s.get(Case, case_id).scans[0].scan_id  # type: ignore[union-attr]
    shot = ui.get(f"/cases/{case_id}/scans/{scan_id}/screenshot")
    assert shot.status_code == 200 and shot.headers["content-type"] == "image/png" and shot.content == PNG
    assert shot.headers["content-disposition"].startswith("inline")
    src = ui.get(f"/cases/{case_id}/scans/{scan_id}/source?part=body")
    assert src.status_code == 200 and src.content == body
    assert src.headers["content-type"].startswith("text/plain")
    assert src.headers["content-disposition"].startswith("attachment")
    assert src.headers["x-content-type-options"] == "nosniff" and src.headers["content-security-policy"] == "sandbox"
    with ctx.store.read() as s:
        assert [(e.actor, e.action) for e in repos.audit_events(s)][-1] == ("aud", "evidence.download")
    assert ui.get(f"/cases/{other}/scans/{scan_id}/screenshot").status_code == 404  # not this case's scan
    assert ui.get(f"/cases/{case_id}/scans/{scan_id}/source?part=../../etc/passwd").status_code == 422
    assert ui.get(f"/cases/{case_id}/scans/{scan_id}/source?part=dom").status_code == 404
    assert f'src="/cases/{case_id}/scans/{scan_id}/screenshot"' in ui.get(f"/cases/{case_id}").text


def test_queue_filters_sorts_and_bulk_triage_with_htmx(ui: TestClient, ctx: Context) -> None:
    a = make_case(ctx.store, "a.example", tenant="t1", score=0.7)
    b = make_case(ctx.store, "b.example", tenant="t2", score=0.95)
    with ctx.store.write() as s:
        s.get(Case, a).opened_at = utcnow() - timedelta(hours=30)  # type: ignore[union-attr]
    csrf = as_user(ui, ctx, "ana")
    page = ui.get("/cases").text
    assert page.index("b.example") < page.index("a.example")  # by score
    oldest = ui.get("/cases", params={"sort": "oldest"}).text
    assert oldest.index("a.example") < oldest.index("b.example")
    only_t1 = ui.get("/cases", params={"tenant": "t1"}, headers={"HX-Request": "true"}).text
    assert "a.example" in only_t1 and "b.example" not in only_t1 and "<html" not in only_t1  # a fragment
    recent = ui.get("/cases", params={"max_age_hours": 24}).text
    assert "b.example" in recent and "a.example" not in recent
    assert ui.get("/cases", params={"state": "bogus"}).status_code == 422
    assert ui.get("/cases", params={"max_age_hours": "soon"}).status_code == 422
    bad = ui.get("/cases", params={"sort": "<b>x</b>"}, headers={"HX-Request": "true"})
    assert bad.status_code == 422 and 'class="flash bad"' in bad.text and "sort: one of" in bad.text
    assert "b.example" in ui.get("/cases", params={"max_age_hours": ""}).text  # an empty form field
    assert "a.example" in ui.get("/overdue").text  # 30 h old and untriaged
    r = ui.post("/cases/bulk-triage", data={"ids": [str(a), str(b)], "csrf_token": csrf},
                headers={"HX-Request": "true"})
    assert r.status_code == 200 and "2 case(s) moved to triage" in r.text
    with ctx.store.read() as s:
        assert {s.get(Case, a).state, s.get(Case, b).state} == {"triage"}  # type: ignore[union-attr]


def test_case_page_workflow_forms_and_four_eyes(ui: TestClient, ctx: Context) -> None:
    settings = ctx.settings.model_copy(update={"enforcement_dry_run": True})
    ui = TestClient(create_app(settings, Context(settings, ctx.store, ctx.blobs)))
    case_id = make_case(ctx.store, "form.example")
    csrf = as_user(ui, ctx, "ana")
    post = lambda url, **data: ui.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)  # noqa: E731
    assert "moved+to+confirmed" in post(f"/cases/{case_id}/transition", to="confirmed").headers["location"]
    r = post(f"/cases/{case_id}/actions", kind="suspend_site", reason="kit")
    assert "err=" in r.headers["location"] and "confirmation" in ui.get(r.headers["location"]).text
    r = post(f"/cases/{case_id}/actions", kind="suspend_site", reason="kit", confirm="yes")
    assert "second+approver" in r.headers["location"]
    assert post(f"/cases/{case_id}/assign", username="ana").status_code == 303
    page = ui.get(f"/cases/{case_id}").text
    assert "Approve suspend_site" not in page  # the analyst cannot approve
    csrf = as_user(ui, ctx, "bob")
    approvals = ui.get("/approvals").text
    assert "form.example" in approvals
    action = approvals.split('action="/actions/')[1].split("/")[0]
    r = ui.post(f"/actions/{action}/approve", data={"csrf_token": csrf, "confirm": "yes", "back_to": f"/cases/{case_id}"},
                follow_redirects=False)
    assert "approved+and+executed" in r.headers["location"]
    page = ui.get(f"/cases/{case_id}").text
    assert "actioned" in page and "in force" in page and "(dry run)" in page


def test_overview_and_chart_data(ui: TestClient, ctx: Context) -> None:
    make_case(ctx.store, "c.example")
    as_user(ui, ctx, "aud")
    page = ui.get("/")
    assert page.status_code == 200 and "/static/vendor/chart-4.6.1.umd.min.js" in page.text
    data = ui.get("/ui/charts.json").json()
    assert data["per_day"]["datasets"][0]["label"] == "phishing" and sum(data["per_day"]["datasets"][0]["data"]) == 1
    assert data["sla"]["labels"] == ["ok", "due_soon", "overdue", "none"] and sum(data["sla"]["data"]) == 1
    assert ui.get("/static/vendor/htmx-4.0.1.min.js").status_code == 200
    for url in ("/sites", "/tenants", "/appeals", "/approvals", "/audit"):
        assert ui.get(url).status_code == 200, url
    assert "intact" in ui.get("/audit").text


def test_admin_pages_manage_users_and_show_tokens_once(ui: TestClient, ctx: Context) -> None:
    auth.create_user(ctx.store, "root", "root-password-123", "admin")
    csrf = as_user(ui, ctx, "root")
    post = lambda url, **data: ui.post(url, data={"csrf_token": csrf, **data}, follow_redirects=False)  # noqa: E731
    r = post("/admin/users/add", username="carol", password="carol-password-1", role="approver")
    assert "created" in r.headers["location"]
    assert "err=" in post("/admin/users/add", username="dave", password="x", role="approver").headers["location"]
    page = post("/admin/users/tokens", username="carol", name="ci", scopes=["read", "triage"], days="30")
    secret = page.text.split('id="token-secret">')[1].split("<")[0]
    assert page.status_code == 200 and secret.startswith(auth.TOKEN_PREFIX)
    assert secret not in ui.get("/admin/users").text  # never shown again
    assert TestClient(ui.app).get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 200
    assert "disabled" in post("/admin/users/carol/active", active="no").headers["location"]
    assert TestClient(ui.app).get("/api/v1/cases", headers={"Authorization": f"Bearer {secret}"}).status_code == 401
    assert "cannot+disable+yourself" in post("/admin/users/root/active", active="no").headers["location"]


def test_dashboard_errors_are_html_pages_or_htmx_fragments_api_errors_stay_json(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from fastapi.testclient import TestClient

    from sitewarden.settings import load_settings
    from sitewarden.store import migrate
    from sitewarden.web.app import create_app
    from sitewarden.work.api import Context

    settings = load_settings(var_dir=tmp_path / "var")
    ctx = Context.from_settings(settings)
    migrate.upgrade(ctx.store)
    client = TestClient(create_app(settings, ctx))
    page = client.get("/no/such/page/<script>alert(1)</script>")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "<script>alert(1)</script>" not in page.text and "404" in page.text
    fragment = client.get("/no/such/page", headers={"HX-Request": "true"})
    assert fragment.status_code == 404 and fragment.text.startswith('<p class="error"')
    api = client.get("/api/v1/no/such")
    assert api.status_code == 404 and api.json() == {"detail": "Not Found"}
    login = client.get("/cases", follow_redirects=False)
    assert login.status_code == 303 and login.headers["location"].startswith("/login")
