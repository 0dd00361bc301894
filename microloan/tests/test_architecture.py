"""The architecture contracts in ``.importlinter`` (docs/architecture.md): they hold on today's
code, ``make lint`` runs them, and each one fails when a breach is added to the import graph."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import grimp
import pytest
from importlinter import api
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.layers import LayersContract

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / ".importlinter"
CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract}


@pytest.fixture(scope="module")
def configuration() -> dict:
    return api.read_configuration(str(CONFIG))


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("microloan", cache_dir=None)


def _contract(configuration: dict, contract_id: str):
    options = next(o for o in configuration["contracts_options"] if o["id"] == contract_id)
    return CONTRACT_TYPES[options["type"]](
        name=options["name"],
        session_options=configuration["session_options"],
        contract_options=options,
    )


def _kept(configuration: dict, contract_id: str, graph: grimp.ImportGraph) -> bool:
    # Contracts may mutate the graph they check (they drop ignored imports): give each a copy.
    return _contract(configuration, contract_id).check(copy.deepcopy(graph), verbose=False).kept


def test_lint_imports_passes_on_the_code_as_it_is():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    result = subprocess.run(
        [str(lint_imports), "--config", str(CONFIG), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_make_lint_runs_the_contracts():
    makefile = (ROOT / "Makefile").read_text()
    lint_recipe = makefile.split("\nlint:", 1)[1].split("\n\n", 1)[0]
    assert "lint-imports" in lint_recipe


@pytest.mark.parametrize(
    ("contract_id", "importer", "imported"),
    [
        # A lower layer importing a higher one.
        ("layers", "microloan.kernel.money", "microloan.lending.services"),
        ("layers", "microloan.audit.services", "microloan.api_root"),
        ("layers", "microloan.lending.services.lines", "microloan.origination.services"),
        # Siblings in one layer that must not know each other.
        ("layers", "microloan.collections.services.cases", "microloan.payments.services"),
        # Another app's models, from production code.
        ("models-private", "microloan.reports.views", "microloan.customers.models"),
        ("models-private", "microloan.lending.services.lines", "microloan.products.models"),
        # Kernel importing an app (the layers would catch it too; this contract names it).
        ("kernel-imports-no-app", "microloan.kernel.money", "microloan.audit.services"),
        # An events module reaching into an app (every app may import events modules).
        ("events-are-leaves", "microloan.kernel.events", "microloan.lending.services"),
    ],
)
def test_each_contract_fails_on_a_breach(configuration, graph, contract_id, importer, imported):
    assert {importer, imported} <= graph.modules  # a real breach, not a typo
    assert _kept(configuration, contract_id, graph)

    breached = copy.deepcopy(graph)
    breached.add_import(
        importer=importer, imported=imported, line_number=1, line_contents=f"import {imported}"
    )
    assert not _kept(configuration, contract_id, breached)


def test_tests_may_import_any_app(configuration, graph):
    """Tests build rows directly: the exemptions cover them (and only them)."""
    for contract_id in ("layers", "models-private"):
        with_test_import = copy.deepcopy(graph)
        with_test_import.add_import(
            importer="microloan.kernel.tests.test_money",
            imported="microloan.lending.models",
            line_number=1,
            line_contents="import microloan.lending.models",
        )
        assert _kept(configuration, contract_id, with_test_import)


def test_a_subscriber_may_import_another_apps_events_but_nothing_else(configuration, graph):
    with_events = copy.deepcopy(graph)
    with_events.add_module("microloan.origination.events")
    with_events.add_import(
        importer="microloan.contracts.handlers",
        imported="microloan.origination.events",
        line_number=1,
        line_contents="from microloan.origination.events import ApplicationDecided",
    )
    assert _kept(configuration, "layers", with_events)
    assert _kept(configuration, "events-are-leaves", with_events)

    with_events.add_import(
        importer="microloan.contracts.handlers",
        imported="microloan.origination.services",
        line_number=2,
        line_contents="from microloan.origination import services",
    )
    assert not _kept(configuration, "layers", with_events)
