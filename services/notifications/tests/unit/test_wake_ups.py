"""Which of the dispatcher's loops a wake-up hint calls: the lanes of the recipients it names, or every lane."""

from flipside_notifications.dispatcher import woken
from flipside_notifications.repository import Lane

EMAIL = [(Lane(index, 4), f"email {index}") for index in range(4)]
LOOPS = {"email": EMAIL, "slack": [(Lane(0, 1), "slack")]}


def test_a_hint_naming_recipients_lane_hashes_wakes_only_their_lanes():
    assert woken("email:9", LOOPS) == ["email 1"]
    assert woken("email:6,10,4", LOOPS) == ["email 0", "email 2"]


def test_a_channel_of_one_lane_wakes_its_loop_whatever_the_hashes():
    assert woken("slack:2147483647", LOOPS) == ["slack"]


def test_a_hint_naming_the_channel_alone_wakes_every_lane_of_it():
    assert woken("email", LOOPS) == [wake for _, wake in EMAIL]


def test_a_hint_that_cannot_be_read_wakes_every_lane_of_its_channel_and_an_unknown_channel_none():
    assert woken("email:x,1", LOOPS) == [wake for _, wake in EMAIL]
    assert woken("teams:1", LOOPS) == []
