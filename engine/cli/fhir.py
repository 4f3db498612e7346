"""`sicca export fhir CASE` and `sicca import fhir BUNDLE`: FHIR R4 Bundles in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sicca.cli.app import export_app, import_app
from sicca.cli.common import EngineOpt, OptionOpt, RulesOpt, get_session, parse_pairs


@export_app.command("fhir")
def export_fhir_command(
    case: Annotated[Path, typer.Argument(help="A case file (YAML or JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The Bundle (JSON).")],
    engine: str = EngineOpt,
    rules: list[Path] | None = RulesOpt,
    option: list[str] | None = OptionOpt,
) -> None:
    """Write the case and its scores as a FHIR R4 Bundle (inputs and score Observations)."""
    from sicca.base.outfiles import check_outputs, write_text_atomic
    from sicca.records.fhir import dumps_bundle

    check_outputs([("-o", output)], [("CASE", case)] + [("--rules", r) for r in rules or []])
    bundle = get_session(engine, rules).fhir_bundle(case, parse_pairs(option, "--option"))
    write_text_atomic(output, dumps_bundle(bundle) + "\n")
    typer.echo(f"wrote {output}: a FHIR R4 Bundle of {len(bundle['entry'])} resources")


@import_app.command("fhir")
def import_fhir_command(
    bundle: Annotated[Path, typer.Argument(help="A FHIR R4 Bundle (JSON).")],
    output: Annotated[Path, typer.Option("-o", "--output", help="The case file (YAML).")],
    rules: list[Path] | None = RulesOpt,
) -> None:
    """Read a FHIR R4 Bundle into a case file; what cannot be mapped is an error, never dropped."""
    from decimal import Decimal

    from sicca.base.outfiles import check_outputs, write_text_atomic
    from sicca.base.yamlsrc import loads_json, read_text
    from sicca.records.fhir import case_yaml

    text = read_text(bundle)  # the hardened reader: size, regular file, UTF-8
    loads_json(text, str(bundle))  # NaN, duplicate keys, depth: located errors
    data = json.loads(text, parse_float=Decimal)  # again, keeping 241.00 as written
    check_outputs([("-o", output)], [("BUNDLE", bundle)])
    case = get_session("native", rules).case_from_fhir(data, str(bundle))
    write_text_atomic(output, f"# Imported from the FHIR Bundle {bundle.name} by "
                      f"`sicca import fhir`.\n" + case_yaml(case))
    typer.echo(f"wrote {output}: {len(case['timepoints'])} timepoints")
