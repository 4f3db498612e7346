"""The `sicca` command (typer + rich). Every SiccaError becomes a located message and exit 2."""

from __future__ import annotations

import functools
import sys
from typing import Any

import typer

from sicca.base.errors import SiccaError

#: The exit code of an interrupted command (128 + SIGINT), printed with "Interrupted.".
#: No command returns it otherwise (batch prints its own summary and calls sys.exit).
INTERRUPTED = 130

# -h and --help everywhere (typer passes context settings down to every subcommand).
_HELP = {"help_option_names": ["-h", "--help"]}
app = typer.Typer(no_args_is_help=True, add_completion=False, context_settings=_HELP,
                  help="Sicca: Sjögren's activity scores and classification criteria from rules.")
schema_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                         help="Print JSON Schemas (case files, rule files).")
import_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                         help="Import data into case files.")
rules_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                        help="Validate and inspect rule files.")
export_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                         help="Export a case and its scores (FHIR R4).")
new_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                      help="Create new things (a rule pack).")


def _version(value: bool) -> None:
    if value:
        from sicca import __version__

        typer.echo(f"sicca {__version__}")
        raise typer.Exit()


@app.callback()
def _root(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Sicca: Sjögren's activity scores and classification criteria from rules."""
app.add_typer(schema_app, name="schema")
app.add_typer(import_app, name="import")
app.add_typer(rules_app, name="rules")
app.add_typer(export_app, name="export")
cohort_app = typer.Typer(no_args_is_help=True, context_settings=_HELP,
                         help="Cohorts as wide tables: to-table, and column-wise scoring.")
app.add_typer(cohort_app, name="cohort")
app.add_typer(new_app, name="new")


def _register() -> None:
    # Each command family lives in its own module; importing it registers its commands.
    import importlib

    for family in ("batch", "cohort", "fhir", "labs", "report", "rules", "score", "testing",
                   "web", "whatif"):
        importlib.import_module(f"sicca.cli.{family}")


@functools.cache
def _command() -> Any:
    """The click command tree of the app, built once per process: typer builds it anew on
    every ``app(...)`` call (~25 ms), which a notebook or a test suite calling ``main`` many
    times would pay each time. (Uncaught errors then keep Python's own traceback rather than
    typer's pretty one; every expected error is handled in ``main``.)"""
    import typer.main

    _register()
    return typer.main.get_command(app)


def main(argv: list[str] | None = None, fast: bool = True) -> None:
    """Run the app, turning Sicca errors into exit code 2 (a plain `sicca score` takes the
    typer-free path of sicca.cli.fast unless ``fast`` is False)."""
    if fast:
        from sicca.cli.fast import run_fast

        if run_fast(list(sys.argv[1:] if argv is None else argv)):
            return
    try:
        code = _command()(args=argv, standalone_mode=False)
        if code == INTERRUPTED:  # typer >= 0.2x turns a KeyboardInterrupt into Exit(130)
            typer.echo("Interrupted.", err=True)
        if isinstance(code, int) and code:  # non-standalone click returns typer.Exit's code
            sys.exit(code)
    except SiccaError as err:
        typer.echo(str(err), err=True)
        sys.exit(err.exit_code)
    except typer.Exit as ex:
        sys.exit(ex.exit_code)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        sys.exit(130)
    except KeyboardInterrupt:
        typer.echo("Interrupted.", err=True)
        sys.exit(INTERRUPTED)
    except Exception as exc:  # usage errors (missing argument, bad choice) come through here
        if _is_usage_error(exc):
            exc.show()  # type: ignore[attr-defined]
            sys.exit(2)
        raise


def _is_usage_error(exc: Exception) -> bool:
    # typer >= 0.20 vendors click as typer._click; older releases depend on click itself.
    for mod in ("click.exceptions", "typer._click.exceptions"):
        try:
            cls = __import__(mod, fromlist=["ClickException"]).ClickException
        except ImportError:
            continue
        if isinstance(exc, cls):
            return True
    return False


if __name__ == "__main__":
    main()
