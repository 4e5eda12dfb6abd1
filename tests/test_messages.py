"""Introductions: golden copies, template placeholders, exact recipients and headers, no injected headers."""

from __future__ import annotations

import csv
import io
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage
from string import Template

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peermatch.errors import ConfigError
from peermatch.outputs.contacts import clean
from peermatch.outputs.ics import UnusableAddress
from peermatch.outputs.messages import (
    DEFAULT_INTRO_TEMPLATE,
    DEFAULT_PROMPTS,
    duration_text,
    eml_files,
    intro_text,
    intros_csv,
    join_names,
    mailbox,
)
from peermatch.roster.templates import PLACEHOLDERS, check_template
from tests.golden import Golden
from tests.test_ics import sample_schedule

SENDER = "Pat Coordinator <pat@council.example>"
HEADERS = ["From", "To", "Subject", "Date", "Message-ID", "X-Unsent", "Content-Type", "Content-Transfer-Encoding",
           "MIME-Version"]


def parsed(data: bytes) -> EmailMessage:
    message = message_from_bytes(data, policy=policy.default)
    assert isinstance(message, EmailMessage)
    return message


def recipients(message: EmailMessage) -> list[tuple[str, str]]:
    return [(a.display_name, a.addr_spec) for a in message["To"].addresses]


def test_intro_eml_matches_golden_copy(golden: Golden) -> None:
    files = eml_files(sample_schedule(), DEFAULT_INTRO_TEMPLATE, sender=SENDER, coordinator="Pat Coordinator")
    golden.check("intro.eml", files["round-01-group-002.eml"])


def test_intros_csv_matches_golden_copy(golden: Golden) -> None:
    golden.check("intros.csv", intros_csv(sample_schedule(), DEFAULT_INTRO_TEMPLATE, "Pat Coordinator"))


def test_eml_files_parse_back_with_exactly_the_intended_headers() -> None:
    files = eml_files(sample_schedule(), DEFAULT_INTRO_TEMPLATE, sender=SENDER)
    assert list(files) == ["round-01-group-001.eml", "round-01-group-002.eml", "round-02-group-001.eml",
                           "round-02-group-002.eml"]
    trio = parsed(files["round-01-group-002.eml"])
    assert trio.keys() == HEADERS
    assert recipients(trio) == [("Zoë Adeyemi", "zoe@gp.example"), ("Ravi Patel", "ravi.patel@dwp.example")]
    assert str(trio["From"]) == SENDER
    assert str(trio["Subject"]) == "Peer learning conversation: Monday 11 January 2027 at 09:00"
    assert str(trio["Date"]) == "Mon, 11 Jan 2027 09:00:00 +0000"
    summer = parsed(files["round-02-group-001.eml"])
    assert str(summer["Date"]) == "Mon, 12 Jul 2027 14:30:00 +0100"  # BST
    assert str(summer["Subject"]).endswith("Monday 12 July 2027 at 14:30")
    ids = {str(parsed(data)["Message-ID"]) for data in files.values()}
    assert len(ids) == 4 and all(i.startswith("<") and i.endswith("@peermatch>") for i in ids)
    body = trio.get_content()
    assert "Hello Zoë Adeyemi, Ravi Patel and Mo Khan," in body  # Mo has no email but is introduced
    assert "- Mo Khan, Housing Officer, Riverside Homes" in body
    assert all(data.count(b"\n") == data.count(b"\r\n") for data in files.values())  # CRLF throughout


def test_same_schedule_gives_identical_bytes() -> None:
    def build() -> tuple[dict[str, bytes], bytes]:
        return (eml_files(sample_schedule(), DEFAULT_INTRO_TEMPLATE, sender=SENDER, coordinator="Pat"),
                intros_csv(sample_schedule(), DEFAULT_INTRO_TEMPLATE, "Pat"))

    assert build() == build()


def test_a_name_cannot_add_a_header_or_a_recipient() -> None:
    name = "Tom\r\nBcc: evil@x.example\r\n\r\nX-Evil: 1\x00"
    files = eml_files(sample_schedule(name=name), DEFAULT_INTRO_TEMPLATE,
                      sender="Pat\r\nBcc: evil@x.example <pat@council.example>")
    for data in files.values():
        message = parsed(data)
        assert message.keys() == HEADERS
        assert message.defects == []
        assert "evil" not in str(message["To"]).split("<")[-1]
    pair = parsed(files["round-01-group-001.eml"])
    assert recipients(pair) == [("Siân Jones", "sian@nhs.example"),
                                ("Tom Bcc: evil@x.example X-Evil: 1", "tom@council.example")]
    assert pair["From"].addresses[0].addr_spec == "pat@council.example"


@pytest.mark.parametrize("email", ["tom@council.example\r\nBcc: evil@x.example", "tom@council.example, evil@x",
                                   "Tom <tom@council.example>", "tom"])
def test_an_unusable_email_is_refused_naming_the_person(email: str) -> None:
    with pytest.raises(UnusableAddress, match=r"^row 2 \(id A2\): the email address") as caught:
        eml_files(sample_schedule(email=email), DEFAULT_INTRO_TEMPLATE, sender=SENDER)
    assert "council" not in str(caught.value)
    with pytest.raises(UnusableAddress, match=r"^row 2 \(id A2\)"):
        intros_csv(sample_schedule(email=email), DEFAULT_INTRO_TEMPLATE)


def test_a_conversation_nobody_can_be_emailed_about_has_no_to_header() -> None:
    schedule = sample_schedule()
    for someone in schedule.roster.people:
        someone.email = ""
    message = parsed(eml_files(schedule, DEFAULT_INTRO_TEMPLATE, sender=SENDER)["round-01-group-001.eml"])
    assert "To" not in message and message["From"] is not None


def test_intros_csv_has_a_row_per_conversation() -> None:
    frame = pd.read_csv(io.BytesIO(intros_csv(sample_schedule(), DEFAULT_INTRO_TEMPLATE, "Pat")),
                        encoding="utf-8-sig", dtype={"date": str})
    assert list(frame.columns) == ["round", "date", "group", "to", "names", "subject", "body"]
    assert frame["round"].tolist() == [1, 1, 2, 2] and frame["group"].tolist() == [1, 2, 1, 2]
    assert frame["to"].tolist()[:2] == ["sian@nhs.example; tom@council.example",
                                        "zoe@gp.example; ravi.patel@dwp.example"]
    assert frame["date"].tolist()[2] == "2027-07-12 14:30"


def test_intros_csv_is_formula_safe() -> None:
    data = intros_csv(sample_schedule(name="=HYPERLINK(\"http://x\")"), DEFAULT_INTRO_TEMPLATE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(rows) == 4
    assert rows[2]["names"] == "'=HYPERLINK(\"http://x\") and Zoë Adeyemi"
    assert rows[0]["round"] == "1" and rows[3]["group"] == "2"


def test_placeholders_are_filled() -> None:
    schedule = sample_schedule()
    july = schedule.rounds[1]
    text = intro_text(schedule, july, july.groups[0], "$names|$date|$duration|$table|$location|$coordinator|$$|"
                      "$members|$prompt", coordinator="Pat")
    assert text == ("Tom O’Brien and Zoë Adeyemi|Monday 12 July 2027 at 14:30|45 minutes|Table 1|Civic Centre|Pat|$|"
                    "- Tom O’Brien, Social Worker, Northshire Council\n- Zoë Adeyemi, GP, Hillside Practice|"
                    "What do you wish the other's profession knew?\nAnd what would you change?\n")


def test_a_blank_table_leaves_no_gap_and_a_blank_location_says_so() -> None:
    schedule = sample_schedule(location="")
    january = schedule.rounds[0]
    text = intro_text(schedule, january, january.groups[0], DEFAULT_INTRO_TEMPLATE)
    assert "Where: to be arranged between you\n\nSomething to start you off:" in text
    assert "\n\n\n" not in text and not any(line != line.rstrip() for line in text.splitlines())


def test_a_name_with_a_dollar_is_not_a_placeholder() -> None:
    schedule = sample_schedule(name="$names ${date}")
    january = schedule.rounds[0]
    assert intro_text(schedule, january, january.groups[0], "$names") == "Siân Jones and $names ${date}\n"


@pytest.mark.parametrize(("template", "named"), [
    ("Hello $nmes", r"\$nmes \(did you mean \$names\?\)"),
    ("${first_name} on $dte", r"\$dte .*\$first_name"),
    ("Costs $5", r"'\$' starts no placeholder"),
])
def test_an_unknown_placeholder_is_a_config_error_naming_it(template: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        check_template(template)
    assert caught.value.exit_code == 78
    with pytest.raises(ConfigError):
        eml_files(sample_schedule(), template, sender=SENDER)
    with pytest.raises(ConfigError):
        intros_csv(sample_schedule(), template)


def test_default_template_uses_every_placeholder() -> None:
    assert set(check_template(DEFAULT_INTRO_TEMPLATE).get_identifiers()) == set(PLACEHOLDERS)
    assert isinstance(check_template("Hello"), Template)


def test_default_prompts() -> None:
    assert 6 <= len(DEFAULT_PROMPTS) <= 10 and len(set(DEFAULT_PROMPTS)) == len(DEFAULT_PROMPTS)
    assert any("went wrong" in p for p in DEFAULT_PROMPTS)
    assert all(p.endswith(("?", ".")) and "  " not in p and "\n" not in p for p in DEFAULT_PROMPTS)


@pytest.mark.parametrize(("names", "joined"), [([], ""), (["A"], "A"), (["A", "B"], "A and B"),
                                               (["A", "B", "C"], "A, B and C")])
def test_join_names(names: list[str], joined: str) -> None:
    assert join_names(names) == joined


@pytest.mark.parametrize(("minutes", "text"), [(45, "45 minutes"), (60, "1 hour"), (90, "1 hour 30 minutes"),
                                               (121, "2 hours 1 minute")])
def test_duration_text(minutes: int, text: str) -> None:
    assert duration_text(minutes) == text


@settings(max_examples=150, deadline=None)
@given(st.text(st.one_of(st.characters(codec="utf-8", exclude_categories=("Cs",)),
                         st.sampled_from('\\",.;:<>()@[]\'é中 ')), max_size=120))
def test_any_cleaned_name_reads_back_from_the_to_header(raw: str) -> None:
    name = clean(raw)
    written = mailbox(name, "p@x.example")
    [address] = parsed(f"To: {written}\r\n\r\n".encode())["To"].addresses
    assert address.addr_spec == "p@x.example"
    if "=?" not in written:  # plain or quoted
        assert address.display_name == name
    else:  # RFC 2047 words, read as mail programs read them (Python's parser keeps a space between two words)
        phrase = written.rsplit("<", 1)[0].replace("\r\n", "").strip()
        assert str(make_header(decode_header(phrase))) == name
        assert all(len(line) <= 78 for line in written.split("\r\n"))
