"""Settings are checked where they come in: a bad value names the file (or the command line), the key
and what the key may be."""

from __future__ import annotations

import dataclasses

import pytest

from reviewlens.config import ConfigError, Settings, load_settings


@pytest.mark.parametrize("toml, key, allowed", [
    ('[scraper]\ndelay = "fast"', "[scraper] delay", "a number of seconds, at least 0"),
    ("[scraper]\nretries = -5", "[scraper] retries", "a whole number of at least 0"),
    ("[scraper]\nmax_pages = -1", "[scraper] max_pages", "a whole number of at least 1"),
    ("[scraper]\nbrowsers = 2.5", "[scraper] browsers", "a whole number of at least 1"),
    ("[scraper]\ntimeout = 0", "[scraper] timeout", "a number of seconds, more than 0"),
    ("[scraper]\ndelay = inf", "[scraper] delay", "a number of seconds, at least 0"),
    ('[scraper]\nrespect_robots = "no"', "[scraper] respect_robots", "true or false"),
    ("[scraper]\ngrid_url = 4444", "[scraper] grid_url", "text"),
    ('[analysis]\nbatch_size = "eight"', "[analysis] batch_size", "a whole number of at least 1"),
    ('[analysis]\nprecision = "16bit"', "[analysis] precision", "one of auto, 4bit, 8bit, bf16, fp32, int8"),
    ("[analysis]\nmax_chars = 0", "[analysis] max_chars", "a whole number of at least 1"),
    ('[analysis]\nentity_types = "GAME"', "[analysis] entity_types", "a list of text"),
    ('[analysis]\ntopics = ["battery"]', "[analysis] topics", "a list of tables"),
    ("db = 5", "db", "text"),
])
def test_bad_values_in_the_file_name_file_key_and_allowed_values(tmp_path, toml, key, allowed):
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text(toml + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_settings(cfg)
    msg = str(e.value)
    assert msg.startswith(f"{cfg}: {key} must be {allowed}, not "), msg


def test_bad_values_from_the_command_line(tmp_path):
    for over, key, allowed in [({"scraper.delay": "fast"}, "[scraper] delay", "a number of seconds, at least 0"),
                               ({"scraper.browsers": 0}, "[scraper] browsers", "a whole number of at least 1"),
                               ({"analysis.precision": "16bit"}, "[analysis] precision", "one of auto, 4bit")]:
        with pytest.raises(ConfigError) as e:
            load_settings(None, **over)
        assert str(e.value).startswith(f"command line: {key} must be {allowed}"), str(e.value)
    with pytest.raises(ConfigError, match="unknown setting 'nope' in \\[scraper\\]"):
        load_settings(None, **{"scraper.nope": 1})
    with pytest.raises(ConfigError, match="unknown setting 'nope.x'"):
        load_settings(None, **{"nope.x": 1})


def test_good_values_are_converted_and_kept(tmp_path):
    cfg = tmp_path / "reviewlens.toml"
    cfg.write_text('[scraper]\ndelay = 2\nretries = 0\nrespect_robots = false\ngrid_url = "http://grid:4444"\n'
                   '[analysis]\nprecision = "4bit"\nentity_types = ["GAME"]\ntopics = [{name = "battery"}]\n')
    s = load_settings(cfg, **{"scraper.delay": "0.5", "analysis.batch_size": "4", "scraper.respect_robots": True})
    assert s.scraper.delay == 0.5 and isinstance(s.scraper.delay, float)  # the command line wins, as a number
    assert s.analysis.batch_size == 4 and s.scraper.respect_robots is True and s.scraper.retries == 0
    assert s.scraper.grid_url == "http://grid:4444" and s.analysis.precision == "4bit"
    assert s.analysis.entity_types == ["GAME"] and s.analysis.topics == [{"name": "battery"}]
    assert isinstance(load_settings(cfg).scraper.delay, float)  # an int in TOML is fine for a float


def test_source_file_field_is_gone():
    assert "source_file" not in {f.name for f in dataclasses.fields(Settings)}
