"""The signing secrets the local launcher and the tests make: random, and kept by `make up` across restarts."""

import stat

from flipside_devstack.signing_secrets import dev_signing_secrets, signing_secrets_in
from flipside_shared.signing_secrets import MIN_BYTES, PUBLISHED_VALUES, SIGNING_SECRET_VARIABLES


def test_make_up_keeps_its_signing_secrets_in_its_state_directory_readable_by_its_owner_only(tmp_path):
    first = signing_secrets_in(tmp_path / "secrets")
    assert list(first) == list(SIGNING_SECRET_VARIABLES) and len(set(first.values())) == len(first)
    assert signing_secrets_in(tmp_path / "secrets") == first, "links keep working across restarts"
    assert set(signing_secrets_in(tmp_path / "another").values()).isdisjoint(first.values())
    assert stat.S_IMODE((tmp_path / "secrets" / "signing-secrets.json").stat().st_mode) == 0o600


def test_each_run_makes_strong_secrets_of_its_own():
    made = dev_signing_secrets()
    assert dev_signing_secrets() is made
    assert all(len(value.encode()) >= MIN_BYTES and value not in PUBLISHED_VALUES for value in made.values())
