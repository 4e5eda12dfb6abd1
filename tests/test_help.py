"""Every command explains itself: its --help shows a worked example a coordinator can copy."""

from __future__ import annotations

import re
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


def _help_texts(command: Any) -> list[str]:
    texts = [command.help or "", *(getattr(param, "help", None) or "" for param in command.params)]
    return [text.replace("\\[", "[") for text in texts]


def _flat(text: str) -> str:
    """Help text as words, whatever box, wrapping and indentation rich gave it."""
    return " ".join(text.replace("│", " ").split())


@pytest.mark.parametrize("command", [(), ("history",), *COMMANDS], ids=lambda c: " ".join(c) or "peermatch")
def test_no_bracketed_words_are_lost_from_help(command: tuple[str, ...]) -> None:
    """rich reads "[rules]" as markup and drops it: every bracket in a help text must be escaped as "\\[rules]"."""
    click_command: Any = typer.main.get_command(app)
    for name in command:
        click_command = click_command.commands[name]
    result = CliRunner().invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    shown = _flat(result.stdout)
    bracketed = [_flat(found) for text in _help_texts(click_command)
                 for found in re.findall(r"\[[^\[\]]*\]", text)]
    assert [found for found in bracketed if found not in shown] == []
