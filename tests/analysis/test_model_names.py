"""Model names in review text (analysis.model_names): what is one, and what only looks like one."""

from __future__ import annotations

import pytest

from analysis import model_names


def names(text: str) -> list[str]:
    return [text[m.start:m.end] for m in model_names.find(text)]


@pytest.mark.parametrize("text, expected", [
    ("I bought the Dell XPS 13 last month.", ["Dell XPS 13"]),
    ("The case fits my Pixel 8 perfectly.", ["Pixel 8"]),
    ("Love my new AirPods Pro 2, they fit better.", ["AirPods Pro 2"]),
    ("My iPhone 15 Pro Max overheats.", ["iPhone 15 Pro Max"]),          # a camel-case maker's name opens it
    ("Returned the Samsung Galaxy S23 after a week.", ["Samsung Galaxy S23"]),
    ("Upgraded from the Sony WH-1000XM4 and honestly", ["Sony WH-1000XM4"]),
    ("a HP Pavilion DV4-1222nr laptop", ["HP Pavilion DV4-1222nr"]),
    ("video shot on a Canon 5D MKII.", ["Canon 5D MKII"]),
    ("replaced the base Windows 7 Starter with it", ["Windows 7 Starter"]),
    ("my 7 year old Pentium 4 stopped working", ["Pentium 4"]),         # an article a few words before
    ("could not load Microsoft Office 2003 on it", ["Microsoft Office 2003"]),  # two names, few numbers
    ("my Macbook Pro 13\" in April", ["Macbook Pro 13"]),
    ("Compared to the MacBook Air M2 this one is heavier.", ["MacBook Air M2"]),
    ("I used to have the Jabra Elite 85h and these fit better.", ["Jabra Elite 85h"]),  # "85h": a model, not hours
    # as app reviews name the phone (each was cut to "iPhone" or missed)
    ("Same on iPhone 13 mini, Android 14.", ["iPhone 13 mini"]),
    ("Works on iPhone SE but not on my iPad Air.", ["iPhone SE", "iPad Air"]),
    ("Pixel 8 Pro, Android 14.", ["Pixel 8 Pro"]),                      # a model word: no "Table 7 waited" opener
])
def test_model_names_are_found(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize("text", [
    "It took 3 weeks to arrive.", "I had to call Apple 19 times.", "Paid 49 dollars for it.",
    "We stayed in Room 214.", "Our flight landed at Gate 12.", "Ordered on March 3, came on April 20.",
    "Table 7 waited forty minutes.", "Rated it 2 stars.", "Arrived on Friday 13 of all days.",
    "Version 4.2 of the app logs me out.", "Step 4 of the instructions is wrong.", "Size 10 fits.",
    "Liverpool 2 Everton 1 was on the big screen.", "Best purchase of 2024 so far.",
    "Glamorgan 259 and 207, Durham 114 and 211.", "It works 100% of the time.", "Christmas 2023 was a mess.",
    "upgraded to 8GB of RAM and a 1920x1080 screen", "Q2 loss widens at Computer Systems Inc Q2.",
    "It ran at 2.4 GHz.", "during Covid 19 the shop closed", "the European Under-21 championship",
])
def test_what_only_looks_like_a_model_name_is_not(text):
    assert names(text) == []


def test_parts_of_speech_keep_a_verb_out():
    """With the parser's parts of speech a capitalized verb opening the sentence is not part of the name."""
    text = "Loved Samsung Galaxy S23 at first."
    pos = {0: "VERB", 6: "PROPN", 14: "PROPN", 21: "PROPN"}
    assert [text[m.start:m.end] for m in model_names.find(text, pos.get)] == ["Samsung Galaxy S23"]


def test_strength_says_what_may_replace_a_name():
    found = {text: model_names.find(text)[0].strong for text in
             ("the Dell XPS 13 broke", "my iPhone 15 broke", "the Galaxy S23 broke", "my Note 9 Pro broke")}
    assert found == {"the Dell XPS 13 broke": False, "my iPhone 15 broke": True, "the Galaxy S23 broke": True,
                     "my Note 9 Pro broke": True}
