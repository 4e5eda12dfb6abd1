"""Every command explains itself: its --help shows a worked example a coordinator can copy."""

from __future__ import annotations

from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from peermatch.cli.app import app


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if hasattr(command, "commands"):  # a group of subcommands, like `history`
            found.extend(_commands(command, path))
        else:
            found.append(path)
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_main_commands_are_there() -> None:
    assert {("pair",), ("schedule",), ("history", "list")} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_has_a_worked_example(command: tuple[str, ...]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "120"})
    assert result.exit_code == 0
    assert "Example" in result.stdout
    assert f"peermatch {' '.join(command)} " in result.stdout


def test_shell_completion_can_be_installed() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "120"})
    assert "--install-completion" in result.stdout
