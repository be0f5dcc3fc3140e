"""The ``relatie-lab`` command.

Subcommands live in :data:`SUBCOMMANDS` (name -> function that adds its parser). Other modules add their own
subcommands without editing this file: every module in :data:`PLUGIN_MODULES` that exists and has an
``add_cli(subparsers)`` function is imported when the command starts and gets the argparse subparsers object;
its parsers must call ``set_defaults(func=...)`` with a function ``func(args) -> int`` (the exit code). Keep those
modules' top-level imports light (no semopy or matplotlib at import), so that ``relatie-lab --help`` stays fast.

Exit codes: 0 = fine (warnings allowed), 1 = the data cannot be used as it is (a :class:`SurveyError`, printed
as a plain message without traceback), an output folder is refused, or the operating system refused a read or
write (disk full, no permission, ...: one plain message, see docs/safety.md), or, for ``validate``, the report
would be incomplete; 2 = wrong command-line arguments (argparse). ``report`` has its own: 0 complete, 1 written but
incomplete, 2 nothing could be made (unreadable input, a refused output folder, disk full, ...).

Examples
--------
>>> main(["--version"])
relatie-lab 0.1.0
0
"""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Callable, Sequence

from relatie_lab import __version__
from relatie_lab.errors import DataQualityWarning, SurveyError

__all__ = ["PLUGIN_MODULES", "SUBCOMMANDS", "build_parser", "main"]

PLUGIN_MODULES: tuple[str, ...] = ("relatie_lab.report", "relatie_lab.batch", "relatie_lab.sem.power")


def _cmd_validate(args: argparse.Namespace) -> int:
    from relatie_lab.labels import label
    from relatie_lab.loaders import load_survey
    from relatie_lab.sections import MIN_RESPONDENTS, misspelt_columns, plan_report, read_model

    lang = args.lang
    instrument = None
    if args.instrument:
        from relatie_lab.instrument import Instrument

        instrument = Instrument.from_yaml(args.instrument)
    model = read_model(args.model, lang)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # every warning is also a line of the summary
        survey = load_survey(args.file, args.mapping, lang=lang, instrument=instrument)
    print(survey.summary(lang))
    misspelt = misspelt_columns(list(survey.unused_columns), survey.instrument, lang)
    if len(misspelt):
        print("\n" + label("sec_misspelt_title", lang))
        for message in misspelt["message"]:
            print(f"  {message}")
    from relatie_lab.sem.ordinal import ordinal_advice_text  # items with few categories or floor/ceiling: WLSMV

    items = [c for c in survey.data.columns if c in set(survey.instrument.items().index)] if survey.instrument else []
    if (advice := ordinal_advice_text(survey.data, items, lang)) is not None:
        print("\n" + advice)
    print()
    too_few = len(survey.data) < MIN_RESPONDENTS
    plan = None
    if too_few:
        print(label("sec_validate_too_few", lang).format(n=len(survey.data), k=MIN_RESPONDENTS))
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            plan = plan_report(survey.data, survey.instrument, model=model, lang=lang)
        print(plan.summary(lang))
    if args.write:
        path = survey.to_parquet(args.out)
        print(label("load.cli.written", lang).format(path=path))
    incomplete = too_few or plan is None or not plan.complete
    return 1 if survey.has_errors or incomplete or len(misspelt) else 0


def _add_validate(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "validate",
        help="check a survey file, print the data-quality summary and predict the report",
        description=(
            "Read a survey file (CSV, Excel .xlsx, SPSS .sav, Qualtrics export), link it to the codebook, and "
            "print the summary: respondents, items found and absent, share missing per construct, every "
            "data-quality message, columns that look like a misspelt item id, and per report section whether it "
            "will run, run partly or be skipped, and why. Exit code 0 = the report will be complete, 1 = errors "
            "in the data, a misspelt column, too few respondents, or a report that would be incomplete."
        ),
    )
    p.add_argument("file", help="survey file (.csv, .txt, .tsv, .xlsx, .sav)")
    p.add_argument("--mapping", "-m", help="mapping file (YAML or CSV): their_column: item_id (docs/mapping.md)")
    p.add_argument("--instrument", help="codebook YAML of your own constructs and items (docs/own_survey.md)")
    p.add_argument("--model", help="lavaan model file (.lav) for the SEM section")
    p.add_argument("--lang", choices=("nl", "en"), default="nl", help="language of the summary (default nl)")
    p.add_argument("--write", action="store_true", help="also write data/processed/<name>.parquet (atomically)")
    p.add_argument("--out", help="with --write: write the Parquet file here instead")
    p.set_defaults(func=_cmd_validate)


# subcommand name -> function that adds it to the subparsers; other modules use PLUGIN_MODULES (add_cli).
SUBCOMMANDS: dict[str, Callable[[argparse._SubParsersAction], None]] = {
    "validate": _add_validate,
}


def _add_plugins(subparsers: argparse._SubParsersAction, modules: Sequence[str]) -> list[str]:
    """Call ``add_cli(subparsers)`` of every module in ``modules`` that exists; return those added."""
    added = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and name.startswith(exc.name):
                continue  # the module (or its package) is not there (yet)
            raise
        add_cli = getattr(module, "add_cli", None)
        if callable(add_cli):
            add_cli(subparsers)
            added.append(name)
    return added


def build_parser(plugins: Sequence[str] = PLUGIN_MODULES) -> argparse.ArgumentParser:
    """The argument parser with every built-in and plugin subcommand."""
    parser = argparse.ArgumentParser(
        prog="relatie-lab",
        description="relatie_lab: survey checks, analyses and reports for customer-relationship research.",
    )
    parser.add_argument("--version", action="version", version=f"relatie-lab {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in SUBCOMMANDS.values():
        add(subparsers)
    _add_plugins(subparsers, plugins)
    return parser


def main(argv: Sequence[str] | None = None, *, plugins: Sequence[str] = PLUGIN_MODULES) -> int:
    """Run the command; return the exit code (the console script passes it to ``sys.exit``)."""
    parser = build_parser(plugins)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, bad arguments
        return int(exc.code or 0)
    if getattr(args, "func", None) is None:
        parser.print_help()
        return 0
    try:
        return int(args.func(args) or 0)
    except SurveyError as exc:
        print(f"relatie-lab: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # disk full, no permission, read-only, path too long (relatie_lab.outputs)
        from relatie_lab.outputs import os_error_message

        print(f"relatie-lab: {os_error_message(exc, getattr(args, 'lang', None) or 'nl')}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
