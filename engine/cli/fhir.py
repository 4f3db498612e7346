"""`sicca export fhir CASE` and `sicca import fhir BUNDLE`: FHIR R4 Bundles in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sicca.base.errors import InputError, Problem
from sicca.cli.app import export_app, import_app
from sicca.cli.common import EngineOpt, OptionOpt, RulesOpt, get_sicca, parse_pairs


@export_app.command("fhir")
def export_fhir_command(
    case: Annotated[Path, typer.Argument(help="A case file (YAML or JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The Bundle (JSON).")],
    engine: str = EngineOpt,
    rules: list[Path] | None = RulesOpt,
    option: list[str] | None = OptionOpt,
) -> None:
    """Write the case and its scores as a FHIR R4 Bundle (inputs and score Observations)."""
    from sicca.records.fhir import dumps_bundle, validate_bundle
    from sicca.report.build import build
    from sicca.report.fhir import report_to_bundle

    sicca = get_sicca(engine, rules)
    c = sicca.load_case(case)
    report = build(sicca, c, parse_pairs(option, "--option"))
    bundle = report_to_bundle(c, json.loads(json.dumps(report, default=float)))
    validate_bundle(bundle, str(output))
    output.write_text(dumps_bundle(bundle) + "\n", encoding="utf-8")
    n = len(bundle["entry"])
    typer.echo(f"wrote {output}: a FHIR R4 Bundle of {n} resources")


@import_app.command("fhir")
def import_fhir_command(
    bundle: Annotated[Path, typer.Argument(help="A FHIR R4 Bundle (JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The case file (YAML).")],
    rules: list[Path] | None = RulesOpt,
) -> None:
    """Read a FHIR R4 Bundle into a case file; what cannot be mapped is an error, never dropped."""
    from decimal import Decimal

    from sicca.base.yamlsrc import read_text
    from sicca.records.fhir import bundle_to_case, case_yaml
    from sicca.records.models import Catalogue

    text = read_text(bundle)
    try:
        data = json.loads(text, parse_float=Decimal)  # keep 241.00 as written
    except json.JSONDecodeError as exc:
        raise InputError(Problem(f"not JSON: {exc.msg}", file=str(bundle), line=exc.lineno,
                                 col=exc.colno, code="E001")) from None
    catalogue = Catalogue.load(rules or None)
    case = bundle_to_case(data, str(bundle), catalogue.vocabulary)
    output.write_text(f"# Imported from the FHIR Bundle {bundle.name} by `sicca import fhir`.\n"
                      + case_yaml(case),
                      encoding="utf-8")
    typer.echo(f"wrote {output}: {len(case['timepoints'])} timepoints")
