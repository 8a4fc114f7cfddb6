"""Options from the environment, usacloud profiles and the caller, merged as upstream does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from autoscaler.cloud import CloudOptions, ProfileError
from autoscaler.cloud.config import (
    DEFAULT_API_ROOT,
    DEFAULT_ZONES,
    default_user_agent,
    fake_store_path,
    merge_options,
    options_from_env,
    options_from_profile,
)


def write_profile(base: Path, name: str, data: dict[str, object]) -> None:
    folder = base / ".usacloud" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(data), encoding="utf-8")


def test_environment_first_listed_name_wins_and_bad_numbers_are_unset() -> None:
    env = {
        "SAKURA_ACCESS_TOKEN": "new",
        "SAKURACLOUD_ACCESS_TOKEN": "old",
        "SAKURACLOUD_ACCESS_TOKEN_SECRET": "sec",
        "SAKURACLOUD_API_ROOT_URL": "http://127.0.0.1:8800/",
        "SAKURACLOUD_ZONES": " is1a , tk1v ,",
        "SAKURACLOUD_RETRY_MAX": "x",
        "SAKURA_API_REQUEST_RATE_LIMIT": "3",
        "SAKURACLOUD_TRACE": "ERROR",
        "SAKURACLOUD_FAKE_MODE": "1",
        "SAKURACLOUD_FAKE_DELAY": "250ms",
    }
    opts = options_from_env(env)
    assert (opts.access_token, opts.access_token_secret) == ("new", "sec")
    assert opts.zones == ("is1a", "tk1v")
    assert opts.retry_max == 0 and opts.http_request_rate_limit == 3
    assert opts.trace and opts.trace_only_error
    assert opts.fake_mode and opts.fake_delay == 0.25
    full = opts.with_defaults()
    assert full.api_root_url == "http://127.0.0.1:8800"
    assert full.retry_max == 10 and full.retry_wait_min == 1 and full.retry_wait_max == 64
    assert full.http_request_timeout == 300


def test_defaults() -> None:
    opts = CloudOptions.from_env(environ={"HOME": "/nonexistent"}, strict=True)
    assert opts.api_root_url == DEFAULT_API_ROOT
    assert opts.default_zone == "is1a"
    assert opts.zones == DEFAULT_ZONES
    assert opts.http_request_rate_limit == 10
    assert not opts.fake_mode
    assert opts.user_agent.startswith("sacloud/autoscaler/v0.19.3 (")
    assert opts.user_agent.endswith("+https://github.com/sacloud/autoscaler) ")


def test_user_agent_appends_the_environment_value() -> None:
    assert default_user_agent("extra/1").endswith(") extra/1")


def test_precedence_env_then_profile_then_caller(tmp_path: Path) -> None:
    write_profile(
        tmp_path,
        "work",
        {
            "AccessToken": "from-profile",
            "AccessTokenSecret": "profile-secret",
            "Zone": "tk1a",
            "DefaultZone": "tk1b",
            "apirooturl": "http://profile.example/",  # keys match case-insensitively, as in Go
            "RetryMax": 4,
            "FakeMode": True,
            "Gzip": False,
        },
    )
    env = {
        "SAKURA_PROFILE_DIR": str(tmp_path),
        "SAKURACLOUD_ACCESS_TOKEN": "from-env",
        "SAKURACLOUD_RETRY_MAX": "7",
        "SAKURACLOUD_GZIP": "1",
    }
    opts = CloudOptions.from_env(profile="work", token="from-file", environ=env)
    assert opts.access_token == "from-file"  # the caller's value wins
    assert opts.access_token_secret == "profile-secret"  # profile over (empty) env
    assert opts.retry_max == 4  # profile over env
    assert opts.default_zone == "tk1b"
    assert opts.api_root_url == "http://profile.example"
    assert opts.fake_mode and opts.gzip  # booleans once true stay true

    strict = CloudOptions.from_env(profile="work", environ=env, strict=True)
    assert strict.access_token == "from-env" and strict.retry_max == 7 and not strict.fake_mode


def test_profile_named_by_environment_or_current_file(tmp_path: Path) -> None:
    write_profile(tmp_path, "a", {"AccessToken": "A"})
    write_profile(tmp_path, "b", {"AccessToken": "B"})
    (tmp_path / ".usacloud" / "current").write_text("b\n", encoding="utf-8")
    base = {"SAKURACLOUD_PROFILE_DIR": str(tmp_path)}
    assert options_from_profile("", base).access_token == "B"
    assert options_from_profile("", {**base, "USACLOUD_PROFILE": "a"}).access_token == "A"
    assert (
        options_from_profile("", {**base, "SAKURA_PROFILE": "a", "USACLOUD_PROFILE": "b"}).access_token == "A"
    )


def test_missing_profiles(tmp_path: Path) -> None:
    env = {"SAKURA_PROFILE_DIR": str(tmp_path)}
    assert options_from_profile("", env) == CloudOptions()  # no default profile: nothing set
    with pytest.raises(ProfileError, match='profile "nope" is not exists'):
        options_from_profile("nope", env)
    with pytest.raises(ProfileError, match="invalid profile name"):
        options_from_profile("../x", env)


def test_broken_profile_names_the_file(tmp_path: Path) -> None:
    folder = tmp_path / ".usacloud" / "bad"
    folder.mkdir(parents=True)
    (folder / "config.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"config\.json"):
        options_from_profile("bad", {"SAKURA_PROFILE_DIR": str(tmp_path)})


def test_merge_keeps_true_booleans_and_set_values() -> None:
    merged = merge_options(
        CloudOptions(trace=True, retry_max=3, fake_delay=0.5), CloudOptions(retry_max=0, fake_delay=-1.0)
    )
    assert merged.trace and merged.retry_max == 3 and merged.fake_delay == 0.5


def test_fake_store_path(tmp_path: Path) -> None:
    assert fake_store_path(CloudOptions(fake_store_path="~/x.db"), {}) == Path.home() / "x.db"
    default = fake_store_path(CloudOptions(), {"XDG_STATE_HOME": str(tmp_path)})
    assert default == tmp_path / "sacloud-autoscaler" / "fake-cloud.sqlite3"


def test_each_fake_delay_defaults_to_the_general_one() -> None:
    env = {
        "SAKURACLOUD_FAKE_DELAY": "2s",
        "SAKURACLOUD_FAKE_DELAY_SHUTDOWN": "0",
        "SAKURACLOUD_FAKE_DELAY_BOOT": "-1",
    }
    opts = options_from_env(env).with_defaults()
    assert (opts.fake_delay, opts.fake_delay_boot, opts.fake_delay_shutdown, opts.fake_delay_disk_copy) == (
        2.0,
        0.0,  # a negative delay counts as 0, like the general one
        0.0,
        2.0,
    )
    only = options_from_env({"SAKURACLOUD_FAKE_DELAY_DISK_COPY": "1.5"}).with_defaults()
    assert (only.fake_delay, only.fake_delay_boot, only.fake_delay_disk_copy) == (0.0, 0.0, 1.5)
    merged = merge_options(CloudOptions(fake_delay_boot=0.5), CloudOptions(fake_delay_boot=-1.0))
    assert merged.fake_delay_boot == 0.5


@pytest.mark.parametrize(
    "name",
    [
        "SAKURACLOUD_FAKE_DELAY",
        "SAKURACLOUD_FAKE_DELAY_BOOT",
        "SAKURACLOUD_FAKE_DELAY_SHUTDOWN",
        "SAKURACLOUD_FAKE_DELAY_DISK_COPY",
    ],
)
def test_bad_fake_delay_is_reported(name: str) -> None:
    with pytest.raises(ValueError) as bad:
        options_from_env({name: "soon"})
    assert str(bad.value) == f'{name}: time: invalid duration "soon"'
    with pytest.raises(ValueError) as endless:
        options_from_env({name: "inf"})
    assert str(endless.value) == f'{name}: not a finite number of seconds: "inf"'
