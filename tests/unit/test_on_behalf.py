"""The `Scrutiny-Person` header: signed for one account, one subject and one body."""

import hashlib
import hmac
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.messaging.on_behalf import PERSON_HEADER, person_actor, person_header, sign, verify

SECRET = bytes(range(16))
OTHER_SECRET = bytes(range(1, 17))
SUBJECT = "scrutiny.north-lincolnshire.cmd.section11.open-cycle"
BODY = b'{"request_id": "5c2f0c4e-0d7e-4f59-9f57-6e1d3a0b9c11", "cycle_id": "2026-27"}'

accounts = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1, max_size=64)
subjects = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=80)


def test_a_signed_header_names_its_account() -> None:
    header = sign(SECRET, "acct-1", SUBJECT, BODY)
    assert header.startswith("acct-1.")
    assert verify(SECRET, header, SUBJECT, BODY) == "acct-1"
    assert person_actor("acct-1") == "person:acct-1"


def test_the_mac_is_hmac_sha256_over_account_subject_and_body_digest() -> None:
    """The recipe, written out: another implementation (the web front door's) can follow it."""
    signed = b"acct-1\x1f" + SUBJECT.encode() + b"\x1f" + hashlib.sha256(BODY).hexdigest().encode()
    assert sign(SECRET, "acct-1", SUBJECT, BODY) == "acct-1." + hmac.new(SECRET, signed, hashlib.sha256).hexdigest()


@given(accounts, subjects, st.binary(max_size=512))
def test_every_valid_account_round_trips(account: str, subject: str, body: bytes) -> None:
    assert verify(SECRET, sign(SECRET, account, subject, body), subject, body) == account


@given(accounts, subjects, subjects, st.binary(max_size=64), st.binary(max_size=64))
def test_a_header_does_not_move_to_another_subject_or_body(
    account: str, subject: str, other_subject: str, body: bytes, other_body: bytes
) -> None:
    header = sign(SECRET, account, subject, body)
    if other_subject != subject:
        assert verify(SECRET, header, other_subject, body) is None
    if other_body != body:
        assert verify(SECRET, header, subject, other_body) is None


def test_another_secret_or_another_account_does_not_verify() -> None:
    header = sign(SECRET, "acct-1", SUBJECT, BODY)
    assert verify(OTHER_SECRET, header, SUBJECT, BODY) is None
    mac = header.partition(".")[2]
    assert verify(SECRET, f"acct-2.{mac}", SUBJECT, BODY) is None  # the mac moved to another account
    assert verify(b"", header, SUBJECT, BODY) is None  # no secret: nothing verifies


@pytest.mark.parametrize(
    "mangle",
    [
        lambda h: h[:-1] + ("0" if h[-1] != "0" else "1"),  # one digit of the mac changed
        lambda h: h.upper(),  # the mac is lower-case hex
        lambda h: h + "0",
        lambda h: h[:-2],
        lambda h: h.replace(".", ":"),
        lambda h: h.partition(".")[0],  # no mac at all
        lambda h: "." + h.partition(".")[2],  # no account
        lambda h: " " + h,
        lambda h: h + "\n",
        lambda h: "acct-1." + "é" * 64,
        lambda h: "",
    ],
)
def test_a_tampered_or_malformed_header_does_not_verify(mangle: Callable[[str], str]) -> None:
    assert verify(SECRET, mangle(sign(SECRET, "acct-1", SUBJECT, BODY)), SUBJECT, BODY) is None


@pytest.mark.parametrize("account", ["", "a" * 65, "acct.1", "acct 1", "acct_1", "person:acct", "ácct", "acct-1\n"])
def test_only_plain_account_ids_are_signed(account: str) -> None:
    with pytest.raises(ValueError):
        sign(SECRET, account, SUBJECT, BODY)


def test_nothing_is_signed_without_a_secret() -> None:
    with pytest.raises(ValueError):
        sign(b"", "acct-1", SUBJECT, BODY)


def test_the_header_is_found_whatever_the_case_of_its_name() -> None:
    assert PERSON_HEADER == "Scrutiny-Person"
    assert person_header({"Scrutiny-Person": "x"}) == "x"
    assert person_header({"scrutiny-person": "y"}) == "y"
    assert person_header({"Other": "z"}) is None
    assert person_header(None) is None
