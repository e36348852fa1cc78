"""`sitewarden brands check|list|show`: validate an operator brand file before deploying it, and inspect
the effective catalogue (shipped brands plus the `brands_file` setting)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from sitewarden.score.brands import BrandError, load_catalogue


def register(app: typer.Typer) -> None:
    brands = typer.Typer(no_args_is_help=True, help="The protected-brand catalogue.")
    app.add_typer(brands, name="brands")

    @brands.command("check")
    def check(
        path: Path = typer.Argument(..., help='Operator brand file (JSON list or {"brands": [...]}).'),
    ) -> None:
        """Validate an operator brand file; print what it adds and overrides. Exit 1 naming the bad entry."""
        shipped = load_catalogue()
        try:
            merged = load_catalogue(path)
        except BrandError as exc:
            typer.echo(f"invalid: {exc}", err=True)
            raise typer.Exit(1) from None
        known = {b.id for b in shipped.brands}
        ids = [b.id for b in merged.brands if b not in shipped.brands]
        added = [i for i in ids if i not in known]
        typer.echo(
            f"ok: {len(added)} added, {len(ids) - len(added)} overridden, {len(merged)} brands in effect"
        )
        for brand_id in ids:
            typer.echo(f"  {'added' if brand_id in added else 'overrides'} {brand_id}")

    @brands.command("list")
    def list_brands(
        category: str | None = typer.Option(None, help="Only brands of this category."),
        brands_file: Path | None = typer.Option(None, help="Operator brand file to merge (default: none)."),
    ) -> None:
        """One line per brand: id, category, country, first official domain, name."""
        try:
            catalogue = load_catalogue(brands_file)
        except BrandError as exc:
            typer.echo(f"invalid: {exc}", err=True)
            raise typer.Exit(1) from None
        for brand in catalogue.brands:
            if category is None or brand.category == category:
                typer.echo(
                    f"{brand.id}\t{brand.category}\t{brand.country or '-'}\t{brand.domains[0]}\t{brand.name}"
                )

    @brands.command("show")
    def show(
        brand_id: str, brands_file: Path | None = typer.Option(None, help="Operator brand file to merge.")
    ) -> None:
        """Print one brand as JSON (the format operator files use)."""
        brand = load_catalogue(brands_file).get(brand_id)
        if brand is None:
            typer.echo(f"no brand with id {brand_id!r}", err=True)
            raise typer.Exit(1)
        typer.echo(json.dumps(brand.to_dict(), ensure_ascii=False, indent=1))
