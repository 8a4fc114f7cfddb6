"""Validating a loaded configuration, in upstream's order and with its messages.

1. `resources` must be given (an empty list is fine);
2. the API client is built and the account must be allowed to create resources;
3. then, collecting every problem: custom handlers must answer their health check (the caller
   dials them), each resource definition must pass its field rules and then its own checks
   (which look at the cloud), `handlers_config` may only name builtin handlers, at least one
   handler must be left, and strict mode forbids a profile, the exporter and custom handlers.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from ...handlers.builtin.registry import BUILTIN_HANDLERS
from ...log import Logger
from .model import Config, Definition
from .problems import ConfigProblems, Problem, invalid, prefix_all

DefinitionCheck = Callable[[Definition], Awaitable[list[Problem]]]


async def validate_config(
    config: Config,
    zones: tuple[str, ...],
    logger: Logger,
    account_check: Callable[[], Awaitable[Problem | None]],
    handler_check: Callable[[], Awaitable[list[Problem]]],
    definition_check: DefinitionCheck,
) -> None:
    """Raise ConfigProblems when the configuration is not usable.

    What looks outside the file is given by the caller: the account check and the definitions'
    checks ask the cloud, the handler check dials the custom handlers.
    """
    if config.resources is None:
        raise ConfigProblems([invalid("resources: required")])
    problem = await account_check()
    if problem is not None:
        raise ConfigProblems([problem], as_list=False)
    for message, detail in config.load_warnings:
        logger.warn(message, error=detail)

    problems: list[Problem] = []
    problems += await handler_check()
    problems += await check_definitions(config.definitions, zones, definition_check)
    problems += handlers_config_problems(config)
    if not config.autoscaler.enabled_builtins() and not config.custom_handlers:
        problems.append(invalid("one or more handlers are required"))
    if config.strict:
        if config.sakuracloud.profile:
            problems.append(invalid("sakuracloud.profile cannot be specified when in strict mode"))
        if config.autoscaler.exporter_enabled:
            problems.append(invalid("autoscaler.exporter_config cannot be specified when in strict mode"))
        if config.custom_handlers:
            problems.append(invalid("handlers cannot be specified when in strict mode"))
    if problems:
        raise ConfigProblems(problems)


async def check_definitions(
    definitions: Sequence[Definition], zones: tuple[str, ...], definition_check: DefinitionCheck
) -> list[Problem]:
    problems: list[Problem] = []
    seen: set[str] = set()
    for definition in definitions:
        struct = definition.struct_rules(zones)
        if struct:
            problems += prefix_all([invalid(m) for m in struct], definition.prefix)
        else:
            problems += await definition_check(definition)
        if len(definitions) > 1:
            if not definition.name:
                problems.append(invalid("name is required if the configuration has more than one resource"))
            if definition.name in seen:
                problems.append(invalid(f"resource name {definition.name} is duplicated"))
            seen.add(definition.name)
    return problems


def handlers_config_problems(config: Config) -> list[Problem]:
    conf = config.autoscaler.handlers_config
    if conf is None or not conf.handlers:
        return []
    # Every unknown name is reported (upstream reports an arbitrary one of them).
    return [invalid(f"invalid key: {name}") for name in conf.handlers if name not in BUILTIN_HANDLERS]
