"""Schedule files: intervals, cron expressions (cron's weekday numbering), due times, clear errors."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from reviewlens.config import ConfigError
from reviewlens.schedule import Source, cron_to_apscheduler, load_schedule, parse_interval


def test_parse_interval_and_config_errors(tmp_path):
    assert parse_interval("30m") == timedelta(minutes=30) and parse_interval("1.5h") == timedelta(minutes=90)
    assert parse_interval("2 days") == timedelta(days=2)
    with pytest.raises(ConfigError, match="bad interval"):
        parse_interval("often")
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname="x"\nurl="http://a"\nevery="1h"\ncron="* * * * *"\n')
    with pytest.raises(ConfigError, match="exactly one of"):
        load_schedule(bad)
    bad.write_text('[[sources]]\nname="x"\nevery="1h"\n')
    with pytest.raises(ConfigError, match="needs `url`"):
        load_schedule(bad)
    bad.write_text('[[sources]]\nname="x"\nurl="shop.example/p/1"\nevery="1h"\n')
    with pytest.raises(ConfigError, match="'shop.example/p/1' is not a web address"):
        load_schedule(bad)
    bad.write_text('[[sources]]\nname="x"\nurl="http://[::1/p"\nevery="1h"\n')  # urlsplit raised ValueError here
    with pytest.raises(ConfigError, match="is not a web address"):
        load_schedule(bad)
    bad.write_text('[[sources]]\nname="x"\nurl="http://a"\ncron="61 * * * *"\n')
    with pytest.raises(ConfigError, match="bad cron"):
        load_schedule(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_schedule(tmp_path / "missing.toml")


def test_cron_weekdays_follow_cron_convention():
    assert cron_to_apscheduler("0 6 * * 1") == "0 6 * * mon"
    assert cron_to_apscheduler("0 6 * * 0,7") == "0 6 * * sun,sun"
    assert cron_to_apscheduler("*/15 * * * 1-5") == "*/15 * * * mon-fri"
    assert cron_to_apscheduler("0 0 * * */2") == "0 0 * * */2"


def test_due_and_cron():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)  # a Monday
    hourly = Source("h", ["u"], every=timedelta(hours=1))
    assert hourly.is_due(None, now)
    assert hourly.is_due(now - timedelta(hours=10), now)
    assert not hourly.is_due(now - timedelta(minutes=20), now)
    mondays = Source("m", ["u"], cron="0 6 * * 1")
    assert mondays.is_due(now - timedelta(days=3), now)          # last run Friday: today's 06:00 passed
    assert not mondays.is_due(now.replace(hour=6, minute=1), now)  # ran at today's 06:01


def test_source_values_are_checked(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[sources]]\nname="x"\nurl="http://a"\nevery="1h"\nmax_pages=-1\n')
    with pytest.raises(ConfigError, match=r"source 'x' \(\[\[sources\]\] #1\): max_pages must be a whole number"):
        load_schedule(bad)
    bad.write_text('[[sources]]\nname="x"\nurls="http://a"\nevery="1h"\n')
    with pytest.raises(ConfigError, match="urls must be a list of URLs"):
        load_schedule(bad)
    bad.write_text('[schedule]\nanalyze="yes"\n[[sources]]\nname="x"\nurl="http://a"\nevery="1h"\n')
    with pytest.raises(ConfigError, match=r"\[schedule\] analyze must be true or false"):
        load_schedule(bad)


def test_since_is_a_rolling_window_or_a_date(tmp_path):
    from datetime import date

    from reviewlens.schedule import parse_since

    today = date(2026, 11, 30)
    assert parse_since("30d", today) == date(2026, 10, 31) and parse_since("2w", today) == date(2026, 11, 16)
    assert parse_since(" 1 day ", today) == date(2026, 11, 29) and parse_since("2026-10-01") == date(2026, 10, 1)
    for bad in ("3m", "yesterday", "2026-13-01", ""):
        with pytest.raises(ConfigError, match="bad since"):
            parse_since(bad)
    f = tmp_path / "s.toml"
    f.write_text('[[sources]]\nname="a"\nurl="http://a"\nevery="1d"\nsince="30d"\n\n'
                 '[[sources]]\nname="b"\nurl="http://b"\nevery="1d"\nsince=2026-10-01\n\n'
                 '[[sources]]\nname="c"\nurl="http://c"\nevery="1d"\n')
    a, b, c = load_schedule(f).sources
    assert a.since == "30d" and a.since_date(today) == date(2026, 10, 31)
    assert a.since_date(date(2026, 12, 31)) == date(2026, 12, 1)  # the window moves with each run
    assert b.since_date(today) == date(2026, 10, 1) and c.since_date(today) is None
    for bad, msg in (('"often"', "bad since"), ("30", "since must be")):
        f.write_text(f'[[sources]]\nname="a"\nurl="http://a"\nevery="1d"\nsince={bad}\n')
        with pytest.raises(ConfigError, match=rf"#1\): .*{msg}"):
            load_schedule(f)


def test_unknown_keys_are_errors_with_a_suggestion(tmp_path):
    """A typo is not a setting quietly ignored (`analyse = false` analyzed, `sinse` dropped the date filter)."""
    f = tmp_path / "s.toml"
    f.write_text('[[sources]]\nname="x"\nfiles="e/*.csv"\nevery="1d"\nmax_page=3\nsinse="30d"\nprodcut="P"\n')
    with pytest.raises(ConfigError) as e:
        load_schedule(f)
    assert str(e.value).startswith(f"{f}: source 'x' ([[sources]] #1): unknown keys 'max_page' (did you mean "
                                   f"'max_pages'?), 'sinse' (did you mean 'since'?), 'prodcut' (did you mean "
                                   f"'product'?)")
    f.write_text('[schedule]\nanalyse=false\n[[sources]]\nname="x"\nfiles="e/*.csv"\nevery="1d"\n')
    said = r"unknown key 'analyse' \(did you mean 'analyze'\?\)"
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(f))} \[schedule\]: {said}"):
        load_schedule(f)
    f.write_text('[[source]]\nname="x"\nfiles="e/*.csv"\nevery="1d"\n')
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(f))}: unknown key 'source' \(did you mean 'sources'\?\)"):
        load_schedule(f)


@pytest.mark.parametrize("body, says", [
    ('every="0m"', "bad interval '0m': must be longer than zero"),
    ('every=6', "bad interval 6"),
    ('every="-1h"', "bad interval '-1h'"),
    ('cron=5', "cron must be a cron expression in quotes"),
    ('every="1d"\nsite=5', "site must be a site config's name"),
])
def test_every_error_names_the_file_and_the_source(tmp_path, body, says):
    f = tmp_path / "s.toml"
    f.write_text(f'[[sources]]\nname="x"\nurl="http://a"\n{body}\n')
    with pytest.raises(ConfigError) as e:
        load_schedule(f)
    assert str(e.value).startswith(f"{f}: source 'x' ([[sources]] #1): {says}")


def test_the_file_level_errors_name_the_file(tmp_path):
    f = tmp_path / "s.toml"
    source = '[[sources]]\nname="x"\nurl="http://a"\nevery="1d"\n'
    for body, says in (('sources = "x"\n', "sources must be tables"),
                       (f'[schedule]\nreports_dir = 5\n{source}', "[schedule] reports_dir must be a folder")):
        f.write_text(body)
        with pytest.raises(ConfigError) as e:
            load_schedule(f)
        assert str(e.value).startswith(f"{f}") and says in str(e.value)
