"""``peermatch report``: coverage counted by hand, the terminal grid, the JSON, and the HTML file.

Two histories are worked by hand.  The *programme* is made the way a coordinator makes one: four people at one level
(two nurses, two social workers), two scheduled rounds (every cross-profession pairing once), then a plain pairing
that can only put nurse with nurse and social worker with social worker, then feedback that the first round's first
group met and its second did not.  By symmetry, the figures do not depend on which pairs the solver chose.  The
*triad* history is recorded directly: a group of three, a pair within one profession, someone unmatched, and a later
round imported without professions.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from peermatch.cli import render
from peermatch.cli.app import app
from peermatch.cli.render_report import SHADES, busiest, render_report, shade
from peermatch.history.rounds import RecordedGroup
from peermatch.history.store import History
from peermatch.outputs.report import NOT_RECORDED, Coverage, coverage
from peermatch.outputs.report_html import coverage_html
from tests.golden import Golden

runner = CliRunner()
CHROMIUM = Path("/usr/bin/chromium")
ROSTER = """id,name,grade,profession,organisation
N1,Ann Hale,Band 5,Nurse,Northshire NHS
N2,Bo Reid,Band 5,Nurse,Northshire NHS
S1,Cy Lamb,Band 5,Social Worker,Northshire Council
S2,Di Moss,Band 5,Social Worker,Northshire Council
"""


def run(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def programme(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(history, roster) of the hand-worked programme in the module docstring."""
    folder = tmp_path_factory.mktemp("programme")
    roster, history = folder / "roster.csv", folder / "history.sqlite"
    roster.write_text(ROSTER, encoding="utf-8")
    assert run("schedule", roster, "--rounds", "2", "--start", "2025-01-06", "--every", "1w", "--seed", "1",
               "--history", history, "-q")[0] == 0
    assert run("pair", roster, "--round", "third", "--seed", "1", "--history", history, "-q")[0] == 0
    feedback = folder / "feedback.csv"
    feedback.write_text("round,group,met\n2025-01-06,1,yes\n2025-01-06,2,no\n", encoding="utf-8")
    assert run("history", "met", feedback, "--history", history)[0] == 0
    return history, roster


def report_of(history: Path, **options: object) -> Coverage:
    with History.open(history, write=False) as store:
        return coverage(store, **options)  # type: ignore[arg-type]


# -- counted by hand ------------------------------------------------------------------------------------------------


def test_the_third_round_could_only_pair_within_professions(programme: tuple[Path, Path]) -> None:
    with History.open(programme[0], write=False) as store:
        third = [sorted(group["members"]) for group in store.show("third")]
    assert sorted(third) == [["N1", "N2"], ["S1", "S2"]]


def test_programme_counts(programme: tuple[Path, Path]) -> None:
    report = report_of(programme[0])
    assert [(r.label, r.groups, r.people, r.met, r.not_met, r.awaiting, r.upcoming) for r in report.rounds] == [
        ("2025-01-06", 2, 4, 1, 1, 0, False), ("2025-01-13", 2, 4, 0, 0, 2, False), ("third", 2, 4, 0, 0, 2, False)]
    assert (report.rounds_held, report.conversations, report.met, report.not_met, report.awaiting) == (3, 6, 1, 1, 4)
    assert (report.people, report.people_reached, report.people_met) == (4, 4, 2)
    # The group that did not meet brings no one together: 2 + 2 + 2 - 1 pairings, 3 of them across professions.
    assert (report.pairings, report.pairings_across_professions) == (5, 3)
    assert report.professions == ("nurse", "social worker")
    assert report.matrix == ((1, 3), (3, 1))
    # Everyone met the other profession in round 2 and their own in the third.
    assert report.professions_met == (0, 0, 4)
    assert report.roster is None and report.not_recorded == 0


def test_only_met_counts_the_one_conversation_reported_held(programme: tuple[Path, Path]) -> None:
    report = report_of(programme[0], only_met=True)
    assert report.matrix == ((0, 1), (1, 0))
    assert (report.pairings, report.pairings_across_professions, report.people_reached) == (1, 1, 2)
    assert report.professions_met == (2, 2)
    assert report.conversations == 6  # what was planned does not change


def test_roster_gives_the_spelling(programme: tuple[Path, Path]) -> None:
    code, out, _ = run("report", "--history", programme[0], "--roster", programme[1], "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["matrix"]["professions"] == ["Nurse", "Social Worker"] and data["roster"] == "roster.csv"


def record_triads(path: Path, *, round_one: str = "r1", odd_profession: str = "gp") -> None:
    profiles = {"ID-A1": ("nurse", "nhs"), "ID-B2": ("social worker", "council"), "ID-C3": (odd_profession, "gp"),
                "ID-D4": ("nurse", "nhs"), "ID-E5": ("nurse", "nhs")}
    with History.open(path, write=True) as store:
        store.record_round(round_one, kind="schedule", starts="2027-01-11T09:00", groups=[
            RecordedGroup(("ID-A1", "ID-B2", "ID-C3"), None, "", "ID-C3"),
            RecordedGroup(("ID-D4", "ID-E5"), None, "", None)], unmatched=["ID-F6"], profiles=profiles)
        # Imported without a profession column: ID-X9 is known to the roster only.
        store.import_rows([{"round": "r2", "starts": "2027-02-01", "group": "1", "person_id": "ID-A1"},
                           {"round": "r2", "starts": "2027-02-01", "group": "1", "person_id": "ID-X9"}])
        store.record_feedback([{"round": round_one, "group": "1", "met": "yes"}])
        store.commit()


def test_a_group_of_three_is_three_pairings_and_the_unmatched_met_no_one(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    record_triads(path)
    report = report_of(path, as_of=datetime(2027, 1, 12))
    assert report.professions == ("gp", "nurse", "social worker", NOT_RECORDED)
    assert report.matrix == ((0, 1, 1, 0), (1, 1, 1, 1), (1, 1, 0, 0), (0, 1, 0, 0))
    assert (report.pairings, report.pairings_across_professions) == (5, 3)
    # F met no one; D, E and X one profession each; A, B and C two (A's partner in r2 has none recorded).
    assert report.professions_met == (1, 3, 3)
    assert (report.people, report.people_reached, report.people_met, report.not_recorded) == (7, 6, 3, 1)
    assert report.rounds_held == 1 and [r.upcoming for r in report.rounds] == [False, True]


def test_the_roster_fills_in_missing_professions_and_the_history_wins(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    record_triads(path)
    # ID-A1 has since become a pharmacist: the report keeps who they were when they met.
    report = report_of(path, roster_professions={"ID-A1": "Pharmacist", "ID-X9": "Pharmacist", "ID-D4": "Nurse",
                                                 "ID-B2": "Social Worker"})
    assert report.professions == ("gp", "Nurse", "Pharmacist", "Social Worker")
    assert report.matrix == ((0, 1, 0, 1), (1, 1, 1, 1), (0, 1, 0, 0), (1, 1, 0, 0))
    assert report.professions_met == (1, 3, 2, 1)
    assert report.not_recorded == 0


def test_an_empty_history_reports_zeros(tmp_path: Path) -> None:
    report = report_of(tmp_path / "missing.sqlite")
    assert (report.rounds, report.people, report.professions, report.professions_met) == ((), 0, (), ())
    assert report.across_share == 0.0
    assert not (tmp_path / "missing.sqlite").exists()


# -- the terminal ---------------------------------------------------------------------------------------------------


def rendered(report: Coverage, width: int = 120) -> str:
    stream = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COLUMNS", str(width))
        render_report(render.console(stream), report)  # not a terminal: no colour, as in cron mail
    return stream.getvalue()


def test_shades_split_the_range_in_four() -> None:
    assert [shade(count, 8) for count in (0, 1, 2, 3, 4, 5, 6, 7, 8)] == [-1, 0, 0, 1, 1, 2, 2, 3, 3]
    assert shade(5, 0) == -1


def test_the_grid_reads_without_colour(programme: tuple[Path, Path]) -> None:
    text = rendered(report_of(programme[0]))
    nurse = next(line for line in text.splitlines() if re.match(r"\s*1\s+nurse\s", line))
    # nurse × nurse: 1 of at most 3 pairings is the lightest shade; nurse × social worker the darkest.
    assert re.search(rf"{SHADES[1]}\s*1\s+{SHADES[3]}\s*3\s*$", nurse)
    assert "3 held" in text and "3 of 5 pairings (60%)" in text and "4 of 4 brought together" in text
    assert "add --roster" in text


def test_a_narrow_terminal_shows_the_busiest_professions_and_says_so(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    profiles = {f"P{k}": (f"profession {k:02d}", "") for k in range(40)}
    with History.open(path, write=True) as store:
        store.record_round("big", kind="pair", starts="2027-01-11", profiles=profiles, unmatched=[], groups=[
            RecordedGroup((f"P{k}", f"P{k + 1}"), None, "", None) for k in range(0, 40, 2)])
        store.commit()
    report = report_of(path)
    assert len(busiest(report, 5)) == 5
    text = rendered(report, width=80)
    assert "Showing the 10 professions with the most conversations of 40" in text
    grid = [line for line in text.splitlines() if re.match(r"\s*\d+\s+profession \d\d", line)]
    assert len(grid) == 10 and all(len(line) <= 80 for line in grid)


def test_an_empty_history_says_what_to_do(tmp_path: Path) -> None:
    assert "run `peermatch pair` or `peermatch schedule` first" in rendered(report_of(tmp_path / "none.sqlite"))


# -- the command ----------------------------------------------------------------------------------------------------


def test_report_json_shape(programme: tuple[Path, Path]) -> None:
    code, out, _ = run("report", "--history", programme[0], "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert set(data) == {"history", "as_of", "only_met", "roster", "rounds", "totals", "people", "pairings",
                         "professions_met", "matrix", "professions_not_recorded"}
    assert data["totals"] == {"rounds": 3, "rounds_held": 3, "conversations": 6, "met": 1, "not_met": 1,
                              "awaiting_feedback": 4}
    assert data["people"] == {"in_history": 4, "reached": 4, "met": 2}
    assert data["professions_met"] == [{"professions": 0, "people": 0}, {"professions": 1, "people": 0},
                                       {"professions": 2, "people": 4}]
    assert data["matrix"] == {"professions": ["nurse", "social worker"], "counts": [[1, 3], [3, 1]]}
    assert set(data["rounds"][0]) == {"label", "starts", "date", "kind", "groups", "people", "met", "not_met",
                                      "awaiting", "upcoming"}


def test_report_writes_html_and_says_where(programme: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    code, stdout, err = run("report", "--history", programme[0], "--out", out)
    assert code == 0 and "Conversations between professions" in stdout and f"wrote the report to {out}" in err
    html = out.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and 'id="profession-matrix"' in html
    assert os.stat(out).st_mode & 0o777 == 0o600  # the history's professions are the programme's business


def test_quiet_with_out_prints_nothing(programme: tuple[Path, Path], tmp_path: Path) -> None:
    code, out, err = run("report", "--history", programme[0], "--out", tmp_path / "r.html", "-q")
    assert (code, out, err) == (0, "", "") and (tmp_path / "r.html").exists()


def test_missing_history_is_an_empty_report_and_creates_nothing(tmp_path: Path) -> None:
    code, out, _ = run("report", "--history", tmp_path / "none.sqlite")
    assert code == 0 and "No rounds in none.sqlite yet" in out and not (tmp_path / "none.sqlite").exists()


def test_exit_codes(programme: tuple[Path, Path], tmp_path: Path) -> None:
    history, roster = programme
    not_ours = tmp_path / "other.sqlite"
    not_ours.write_text("not a database at all, just some text " * 100)
    assert run("report", "--history", not_ours)[0] == 65
    assert run("report", "--history", history, "--out", tmp_path / "no" / "such" / "folder.html")[0] == 73
    code, _, err = run("report", "--history", history, "--out", history)
    assert code == 73 and len(err.strip().splitlines()) == 1
    assert run("report", "--history", history, "--roster", tmp_path / "missing.csv")[0] == 66
    assert run("report", "--history", history, "--format", "yaml")[0] == 2
    assert run("report", "--history", history, "--roster", roster, "--config", tmp_path / "none.toml")[0] == 78


def test_help_has_a_worked_example() -> None:
    code, out, _ = run("report", "--help")
    assert code == 0 and "Example" in out and "peermatch report --out report.html --roster roster.csv" in out


# -- the HTML file --------------------------------------------------------------------------------------------------


def golden_report(tmp_path: Path) -> str:
    """The triad history, with a round label and a profession that would be markup if not escaped."""
    path = tmp_path / "h.sqlite"
    record_triads(path, round_one='launch <i>"day"</i>', odd_profession="gp & <b>partners</b>")
    return coverage_html(report_of(path, as_of=datetime(2027, 1, 12, 9, 30)), version="TEST")


def test_html_report_matches_golden_copy(tmp_path: Path, golden: Golden) -> None:
    golden.check("report.html", golden_report(tmp_path).encode("utf-8"))


def test_html_escapes_user_text_and_holds_no_ids(tmp_path: Path) -> None:
    html = golden_report(tmp_path)
    assert "<b>" not in html and "<i>" not in html
    assert "gp &amp; &lt;b&gt;partners&lt;/b&gt;" in html and "launch &lt;i&gt;&quot;day&quot;&lt;/i&gt;" in html
    assert not re.search(r"ID-[A-Z]\d", html)


def test_html_needs_nothing_from_the_network(tmp_path: Path) -> None:
    html = golden_report(tmp_path)
    # The SVG namespace is a name, never fetched; nothing else may point anywhere.
    assert re.findall(r"https?://[^\s\"']+", html) == ["http://www.w3.org/2000/svg"] * 3
    assert not re.search(r"\b(src|href)\s*=|url\(|@import", html)
    assert "default-src 'none'" in html


def test_html_matrix_has_a_cell_per_pair_of_professions(tmp_path: Path) -> None:
    html = golden_report(tmp_path)
    assert html.count('<g class="cell">') == 16 and html.count('<g class="round"') == 2
    assert html.count('<g class="bar">') == 3


def chromium(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    # No network at all: every host resolves to nothing and any proxy is a closed port.
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9", f"--user-data-dir={home}"]
    return subprocess.run([str(CHROMIUM), *flags, *args], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "HOME": str(home)})


@pytest.mark.browser
# CI installs Chromium (.ci/run), so there the page is always rendered; elsewhere it is skipped when absent.
@pytest.mark.skipif(not CHROMIUM.exists() and not os.environ.get("CI"), reason="needs Chromium at /usr/bin/chromium")
def test_html_report_renders_in_chromium(tmp_path: Path) -> None:
    assert CHROMIUM.exists(), "CI must install Chromium (.ci/run) so the report is rendered in a real browser"
    page = tmp_path / "report.html"
    page.write_text(golden_report(tmp_path), encoding="utf-8")
    result = chromium("--dump-dom", page.as_uri(), home=tmp_path / "profile")
    dom = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    for chart in ("profession-matrix", "rounds-chart", "professions-met-chart"):
        assert re.search(rf'<svg id="{chart}"[^>]*viewBox=', dom), chart
    assert dom.count('<g class="cell">') == 16 and dom.count("<rect ") >= 16 + 2 + 3
    assert "gp &amp; &lt;b&gt;partners&lt;/b&gt;" in dom and "<b>" not in dom
    # The screenshot proves layout ran; how it looks is checked by eye when the report changes.
    shot = tmp_path / "report.png"
    assert chromium(f"--screenshot={shot}", "--window-size=1100,1600", page.as_uri(),
                    home=tmp_path / "profile").returncode == 0
    assert shot.stat().st_size > 10_000


def test_a_round_with_feedback_was_held_whatever_its_date(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    record_triads(path)
    before_it = report_of(path, as_of=datetime(2026, 1, 1))  # both rounds start later; the first has feedback
    assert [r.upcoming for r in before_it.rounds] == [False, True] and before_it.rounds_held == 1
