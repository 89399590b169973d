"""Which failures a consumer or relay waits out, and which are faults that retrying would only hide."""

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError

from flipside_shared.retry import is_transient


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connection refused"),
        ConnectionResetError(),
        TimeoutError(),
        OSError(101, "Network is unreachable"),
        asyncpg.exceptions.DeadlockDetectedError(),
        KafkaConnectionError(),
    ],
)
def test_an_unreachable_or_busy_broker_or_database_is_waited_out(error):
    assert is_transient(error)


@pytest.mark.parametrize(
    "error",
    [
        FileNotFoundError(2, "No such file or directory", "/etc/flipside/taxonomy.toml"),
        PermissionError(13, "Permission denied", "/var/lib/flipside"),
        IsADirectoryError(21, "Is a directory"),
        ValueError("a bug"),
    ],
)
def test_a_local_fault_is_not_retried_so_its_record_reaches_the_dead_letter_topic(error):
    assert not is_transient(error)
