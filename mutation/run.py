"""Mutation testing of the modules that guard users' data (mutmut; not part of CI).

Usage (from the repository root, with the dev extra installed)::

    .venv/bin/python mutation/run.py                 # every module, then the report
    .venv/bin/python mutation/run.py planner journal # some modules, then the report
    .venv/bin/python mutation/run.py --report        # rewrite mutation/REPORT.md only
    .venv/bin/python mutation/run.py --baseline ...  # record the results as the "before" column

Each module runs in its own scratch copy of the repository (``.mutation/<module>/``, ignored by
git) with mutmut told to mutate that one module and to collect tests only from the files that
exercise it (``MODULES`` below); mutmut then runs each mutant against the subset of those tests
that reached the mutated function, fastest first, stopping at the first failure. Runs use one
worker under ``nice -n 19`` (the machine is shared). A module's results are written to
``mutation/results/<module>.json``; the report joins them with ``mutation/baseline.json`` (the
scores before the tests of issue 15) and with ``mutation/survivors.toml``, which gives the reason
each remaining survivor is equivalent or harmless (matched on the function and the changed lines,
so it survives renumbering).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "mutation"
WORK = ROOT / ".mutation"
RESULTS = HERE / "results"
REPORT = HERE / "REPORT.md"
BASELINE = HERE / "baseline.json"
SURVIVORS = HERE / "survivors.toml"


@dataclass(frozen=True)
class Module:
    """One unit of the run: the files mutmut mutates and the tests that exercise them."""

    sources: tuple[str, ...]
    tests: tuple[str, ...]
    #: mutmut mutant-name patterns (fnmatch) when only some functions are in scope.
    functions: tuple[str, ...] = field(default=())
    #: tests left out of the mutation run (each with its reason in a comment where it is set).
    deselect: tuple[str, ...] = field(default=())


E2E_SYNC = ("tests/e2e/test_sync.py",)
E2E_RESTORE = ("tests/e2e/test_restore.py",)

MODULES: dict[str, Module] = {
    "planner": Module(
        ("aioglacier/planner.py",),
        ("tests/unit/test_planner.py", "tests/e2e/test_sync_promises.py", *E2E_SYNC),
    ),
    # The module names are the report's rows (kept across the seam's split of ops.py,
    # engine.py and restore.py into the engine/ package).
    "ops": Module(
        ("aioglacier/engine/upload.py",),
        (
            "tests/unit/test_ops.py",
            "tests/unit/test_engine_fake.py",
            "tests/e2e/test_upload_promises.py",
            *E2E_SYNC,
        ),
    ),
    "engine": Module(
        ("aioglacier/engine/sync.py", "aioglacier/engine/run.py"),
        (
            "tests/unit/test_engine_fake.py",
            "tests/e2e/test_sync_promises.py",
            "tests/e2e/test_upload_promises.py",
            *E2E_SYNC,
        ),
    ),
    "restore": Module(
        (
            "aioglacier/engine/restore.py",
            "aioglacier/engine/download.py",
            "aioglacier/engine/commit.py",
            "aioglacier/engine/purge.py",
        ),
        ("tests/unit/test_engine_fake.py", "tests/e2e/test_restore_promises.py", *E2E_RESTORE),
    ),
    "checklocal": Module(
        ("aioglacier/checklocal.py",),
        ("tests/unit/test_checklocal.py", "tests/unit/test_mutation_kills_checklocal.py"),
    ),
    "journal": Module(
        (
            "aioglacier/journal/records.py",
            "aioglacier/journal/parsing.py",
            "aioglacier/journal/state.py",
            "aioglacier/journal/replay.py",
            "aioglacier/journal/writer.py",
        ),
        ("tests/unit/test_journal.py", "tests/unit/test_journal_promises.py"),
        # These two synchronise with sleeps (a cancel timed against a blocked write); under
        # mutmut's trampolines on a loaded machine their clean run fails, which stops mutmut.
        deselect=(
            "tests/unit/test_journal.py::test_writer_cancelled_mid_write_settles_by_the_real_outcome",
            "tests/unit/test_journal.py::test_cancelled_while_closing_still_closes",
        ),
    ),
    "safepath": Module(
        ("aioglacier/safepath.py",),
        (
            "tests/unit/test_safepath.py",
            "tests/unit/test_mutation_kills_safepath.py",
            "tests/e2e/test_restore_promises.py",
            *E2E_RESTORE,
        ),
    ),
    "treehash": Module(("aioglacier/treehash.py",), ("tests/unit/test_treehash.py",)),
    "sigv4": Module(
        ("aioglacier/sigv4.py",),
        (
            "tests/unit/test_sigv4.py",
            "tests/unit/test_mutation_kills_sigv4.py",
            "tests/unit/test_glacier_signing.py",
            "tests/emulator/test_auth.py",
            "tests/emulator/test_request_checks.py",
        ),
    ),
    "retry": Module(
        ("aioglacier/retry.py",),
        ("tests/unit/test_limits_retry.py", "tests/unit/test_retry_promises.py"),
    ),
    "emulator": Module(
        (
            "aioglacier/emulator/glacier/service.py",
            "aioglacier/emulator/glacier/multipart.py",
            "aioglacier/emulator/glacier/protocol.py",
            "aioglacier/emulator/glacier/store.py",
        ),
        (
            "tests/emulator/test_auth.py",
            "tests/emulator/test_request_checks.py",
            "tests/emulator/test_multipart.py",
            "tests/emulator/test_archives.py",
            "tests/emulator/test_durability.py",
        ),
        functions=(
            # request handling: authentication and the multipart paths
            "aioglacier.emulator.glacier.service.xǁGlacierServiceǁadmit__mutmut_*",
            *(
                f"aioglacier.emulator.glacier.multipart.xǁMultipartHandlersǁ{name}__mutmut_*"
                for name in (
                    "initiate_multipart_upload",
                    "_upload",
                    "upload_part",
                    "list_parts",
                    "complete_multipart_upload",
                    "_check_parts",
                    "abort_multipart_upload",
                )
            ),
            "aioglacier.emulator.glacier.protocol.x_check_hash__mutmut_*",
            # the store's completion checks
            "aioglacier.emulator.glacier.store.xǁGlacierStoreǁcomplete_upload__mutmut_*",
            "aioglacier.emulator.glacier.store.xǁGlacierStoreǁput_part__mutmut_*",
            "aioglacier.emulator.glacier.store.x__parts_of__mutmut_*",
        ),
    ),
}

# mutmut's exit-code meanings, grouped for the score: a timeout or a crash is a detected mutant.
KILLED = {"killed", "timeout", "segfault", "caught by type check"}
SURVIVED = {"survived", "no tests"}


def _mutmut_config(module: Module) -> str:
    """The ``[tool.mutmut]`` table appended to the scratch copy's pyproject.toml."""
    tests = [t for t in module.tests if (ROOT / t).exists()]
    tests += [f"--deselect={t}" for t in module.deselect]
    lines = [
        "",
        "[tool.mutmut]",
        'source_paths = ["aioglacier"]',
        f"only_mutate = {json.dumps(list(module.sources))}",
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}",
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-p", "no:randomly", "-q"]',
        "use_git_change_detection = false",
        "",
    ]
    return "\n".join(lines)


def _prepare(name: str, module: Module) -> Path:
    work = WORK / name
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "aioglacier", work / "aioglacier", ignore=ignore)
    shutil.copytree(ROOT / "tests", work / "tests", ignore=ignore)
    text = (ROOT / "pyproject.toml").read_text("utf-8")
    (work / "pyproject.toml").write_text(text + _mutmut_config(module), "utf-8")
    return work


_COLLECT = r"""
import json, sys
from pathlib import Path
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
out = []
for source in json.loads(sys.argv[1]):
    m = SourceFileMutationData(path=Path(source))
    m.load()
    for key, code in m.exit_code_by_key.items():
        status = status_by_exit_code[code]
        diff = "" if status == "killed" else get_diff_for_mutant(key, path=Path(source))
        out.append({"source": source, "name": key, "status": status, "diff": diff})
json.dump(out, sys.stdout)
"""


def _fnmatch_any(name: str, patterns: tuple[str, ...]) -> bool:
    from fnmatch import fnmatchcase

    return not patterns or any(fnmatchcase(name, p) for p in patterns)


def run_module(name: str, workers: int = 1) -> dict[str, object] | None:
    """Run mutmut on one module in its scratch copy; return (and save) its results, or None
    when mutmut failed (its log says why)."""
    module = MODULES[name]
    work = _prepare(name, module)
    mutmut = Path(sys.executable).with_name("mutmut")
    command = ["nice", "-n", "19", str(mutmut), "run", "--max-children", str(workers)]
    command += module.functions
    started = time.monotonic()
    log = (work / "mutmut.log").open("w", encoding="utf-8")
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    code = subprocess.call(command, cwd=work, stdout=log, stderr=subprocess.STDOUT, env=env)
    seconds = time.monotonic() - started
    if code != 0:
        print(f"{name}: mutmut exited {code}; see {work / 'mutmut.log'}", file=sys.stderr)
        return None
    return collect(name, seconds)


def collect(name: str, seconds: float | None = None) -> dict[str, object]:
    """Save the results mutmut left in ``.mutation/<name>`` (also after an interrupted run:
    the mutants not yet tested are counted as "not checked")."""
    module = MODULES[name]
    work = WORK / name
    raw = subprocess.check_output(
        [sys.executable, "-c", _COLLECT, json.dumps(list(module.sources))], cwd=work
    )
    mutants = [m for m in json.loads(raw) if _fnmatch_any(m["name"], module.functions)]
    result = {
        "module": name,
        "seconds": round(seconds) if seconds is not None else None,
        "mutants": mutants,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    return result


# ------------------------------------------------------------------------------------ report


def _changed_lines(diff: str) -> str:
    """The removed and added lines of a mutant's diff, stripped: its stable fingerprint."""
    lines = diff.splitlines()[2:]  # skip the ---/+++ header
    return "\n".join(
        line[0] + " " + line[1:].strip() for line in lines if line[:1] in "+-" and line[1:].strip()
    )


def _function(name: str) -> str:
    return name.rsplit("__mutmut_", 1)[0]


@dataclass(frozen=True)
class Reason:
    """Why a survivor is equivalent or harmless: for the mutants of ``module`` (fnmatch)
    whose function matches ``function`` (fnmatch) and whose changed lines equal ``change`` or
    contain a match of the regular expression ``match``."""

    module: str
    function: str
    reason: str
    change: str | None = None
    match: str | None = None

    def covers(self, module: str, function: str, change: str) -> bool:
        from fnmatch import fnmatchcase

        if not fnmatchcase(module, self.module) or not fnmatchcase(function, self.function):
            return False
        if self.change is not None:
            return change == self.change.strip()
        return self.match is not None and re.search(self.match, change) is not None


def _load_reasons() -> list[Reason]:
    if not SURVIVORS.exists():
        return []
    data = tomllib.loads(SURVIVORS.read_text("utf-8"))
    return [Reason(**entry) for entry in data.get("survivor", [])]


def _reason_for(reasons: list[Reason], module: str, function: str, change: str) -> str | None:
    for reason in reasons:
        if reason.covers(module, function, change):
            return reason.reason
    return None


def _counts(mutants: list[dict[str, str]]) -> tuple[int, int, int, int]:
    total = len(mutants)
    killed = sum(1 for m in mutants if m["status"] in KILLED)
    survived = sum(1 for m in mutants if m["status"] in SURVIVED)
    other = total - killed - survived
    return total, killed, survived, other


def _minutes(seconds: int | None) -> str:
    return "interrupted" if seconds is None else f"{seconds // 60} min"


def _score(killed: int, total: int) -> str:
    return f"{100.0 * killed / total:.1f}%" if total else "-"


def write_report() -> None:
    """Join the per-module results, the baseline and the survivors' reasons into REPORT.md."""
    baseline = json.loads(BASELINE.read_text("utf-8")) if BASELINE.exists() else {}
    reasons = _load_reasons()
    out = [
        "# Mutation testing report",
        "",
        "Written by `mutation/run.py` (mutmut, one worker); do not edit by hand: edit",
        "`mutation/survivors.toml` (reasons) or the tests, and run it again. Score = mutants",
        "killed (a test failed, or the mutant hung past mutmut's timeout) / mutants generated.",
        "A mutant no selected test reaches counts as a survivor.",
        "",
        "| module | mutants | killed | survived | other | score | before | run time |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    sections: list[str] = []
    for name in MODULES:
        path = RESULTS / f"{name}.json"
        if not path.exists():
            out.append(f"| {name} | not run | | | | | | |")
            continue
        result = json.loads(path.read_text("utf-8"))
        mutants = result["mutants"]
        total, killed, survived, other = _counts(mutants)
        before = baseline.get(name)
        before_text = (
            f"{_score(before['killed'], before['mutants'])} "
            f"({before['killed']}/{before['mutants']})"
            if before
            else "-"
        )
        unchecked = sum(1 for m in mutants if m["status"] == "not checked")
        score = _score(killed, total - unchecked)
        if unchecked:
            score += f" of the {total - unchecked} checked ({unchecked} not checked)"
        out.append(
            f"| {name} | {total} | {killed} | {survived} | {other} | {score} "
            f"| {before_text} | {_minutes(result['seconds'])} |"
        )
        left = [m for m in mutants if m["status"] not in KILLED | {"not checked"}]
        if not left:
            continue
        sections += ["", f"## {name}: {len(left)} not killed", ""]
        for m in left:
            change = _changed_lines(m["diff"])
            reason = _reason_for(reasons, name, _function(m["name"]), change)
            if reason is None:
                reason = "**no reason recorded**"
            sections += [
                f"- `{m['name']}` ({m['status']}): {reason}",
                "",
                "  ```diff",
                *("  " + line for line in change.splitlines()),
                "  ```",
            ]
    notes = HERE / "notes.md"
    if notes.exists():
        out += ["", notes.read_text("utf-8").rstrip()]
    REPORT.write_text("\n".join(out + sections) + "\n", "utf-8")


def save_baseline(names: list[str]) -> None:
    """Record the current results of ``names`` as the scores before the new tests."""
    baseline = json.loads(BASELINE.read_text("utf-8")) if BASELINE.exists() else {}
    for name in names:
        result = json.loads((RESULTS / f"{name}.json").read_text("utf-8"))
        total, killed, survived, _other = _counts(result["mutants"])
        baseline[name] = {"mutants": total, "killed": killed, "survived": survived}
    BASELINE.write_text(json.dumps(baseline, indent=1, sort_keys=True) + "\n", "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("modules", nargs="*", metavar="MODULE", help=", ".join(MODULES))
    parser.add_argument("--report", action="store_true", help="only rewrite REPORT.md")
    parser.add_argument("--baseline", action="store_true", help="save results as the baseline")
    parser.add_argument("--workers", type=int, default=1, help="mutmut workers (default 1)")
    parser.add_argument(
        "--collect", action="store_true", help="only save what an earlier (interrupted) run left"
    )
    args = parser.parse_args()
    names = args.modules or list(MODULES)
    unknown = sorted(set(names) - set(MODULES))
    if unknown:
        parser.error(f"unknown modules: {', '.join(unknown)} (choose from {', '.join(MODULES)})")
    if args.collect:
        for name in names:
            collect(name)
    elif not args.report:
        done = []
        for name in names:
            result = run_module(name, args.workers)
            if result is None:
                continue
            done.append(name)
            total, killed, _, _ = _counts(result["mutants"])  # type: ignore[arg-type]
            print(f"{name}: {killed}/{total} killed ({_score(killed, total)})", flush=True)
        names = done
    if args.baseline:
        save_baseline(names)
    write_report()


if __name__ == "__main__":
    main()
