"""click commands that look and fail like upstream's cobra/pflag CLI.

Upstream users script against the CLI, so what they see must match: help laid out as pflag lays
it out, `Error: <text>` on stderr with exit status 1 for every failure (never click's usage
banner and status 2), cobra's wording for unknown flags and arguments, and global flags
(`--log-level`, `--log-format`) accepted on every subcommand.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NoReturn

import click
from click.shell_completion import CompletionItem

from ..golang.duration import go_duration
from ..golang.errors import multierror

HELP_OPTION_NAMES = ["-h", "--help"]

# strconv.ParseBool's spellings, which pflag accepts after `--flag=` (and `-f=`).
GO_TRUE = ("1", "t", "T", "TRUE", "true", "True")
GO_FALSE = ("0", "f", "F", "FALSE", "false", "False")


class CommandError(Exception):
    """An error to print as `Error: <text>` and exit with `code`."""

    def __init__(self, text: str, code: int = 1) -> None:
        super().__init__(text)
        self.text = text
        self.code = code


def fail(messages: Sequence[str]) -> NoReturn:
    raise CommandError(multierror(messages))


class Flag(click.Option):
    """A long flag with pflag's help rendering (type name and default)."""

    def __init__(
        self,
        decls: Sequence[str],
        *,
        type_name: str = "string",
        usage: str = "",
        inherited: bool = False,
        show_default_as: str | None = None,
        **kwargs: Any,
    ) -> None:
        given = kwargs.get("type")
        if isinstance(given, click.ParamType) and given.name in ("duration", "int"):
            type_name = given.name  # pflag shows the value's type in the help line
        if type_name == "bool":
            kwargs.setdefault("is_flag", True)
            kwargs.setdefault("default", False)
        super().__init__(list(decls), help=usage, **kwargs)
        self.type_name = type_name
        self.usage = usage
        self.inherited = inherited
        self.show_default_as = show_default_as

    def usage_line(self) -> tuple[str, str]:
        longs = [o for o in self.opts if o.startswith("--")]
        shorts = [o for o in self.opts if not o.startswith("--")]
        left = f"  {shorts[0]}, {longs[0]}" if shorts else f"      {longs[0]}"
        if self.type_name != "bool":
            left += f" {self.type_name}"
        right = self.usage
        default = self._default_text()
        if default is not None:
            right += f" (default {default})"
        return left, right

    def _default_text(self) -> str | None:
        if self.show_default_as is not None:
            return self.show_default_as or None
        value = self.default
        if value in (None, "", False, 0, ()) or callable(value):
            return None
        if self.type_name == "string":
            return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        if self.type_name == "bool":
            return "true"
        if self.type_name == "duration" and isinstance(value, int | float):
            return go_duration(float(value))
        return str(value)


def complete_values(*values: str, comma_list: bool = False) -> Callable[..., list[CompletionItem]]:
    """A `shell_complete` callback offering `values` (for a comma-separated list, the next
    element after what was typed)."""

    def complete(_ctx: click.Context, _param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        head, last = "", incomplete
        if comma_list and "," in incomplete:
            head, last = incomplete.rsplit(",", 1)
            head += ","
        return [CompletionItem(head + v) for v in values if v.startswith(last)]

    return complete


def flag_usages(flags: Iterable[Flag]) -> str:
    """pflag's FlagUsages: sorted by name, descriptions aligned three spaces after the widest."""
    ordered = sorted(flags, key=lambda f: next(o for o in f.opts if o.startswith("--")))
    rows = [f.usage_line() for f in ordered]
    width = max((len(left) for left, _ in rows), default=0)
    return "\n".join(f"{left}{' ' * (width - len(left))}   {right}".rstrip() for left, right in rows)


def go_bool_forms(params: Sequence[click.Parameter], args: list[str], stop_at_word: bool) -> list[str]:
    """`--flag=true|false` (and `-f=...`) for bool flags, as pflag takes them, rewritten to what
    click understands: the bare flag, or nothing. A group stops at its subcommand's name (the
    rest is the subcommand's to read)."""
    flags = [p for p in params if isinstance(p, Flag)]
    bools = {o for p in flags if p.type_name == "bool" for o in p.opts}
    valued = {o for p in flags if p.type_name != "bool" for o in p.opts}
    out: list[str] = []
    rest = list(args)
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if arg == "--" or (stop_at_word and not arg.startswith("-")):
            out += [arg, *rest]
            break
        if arg in valued and rest:
            out += [arg, rest.pop(0)]  # the next word is this flag's value, whatever it looks like
        elif eq and name in bools:
            if value not in GO_TRUE + GO_FALSE:
                raise CommandError(
                    f'invalid argument "{value}" for "{_flag_label(flags, name)}" flag: '
                    f'strconv.ParseBool: parsing "{value}": invalid syntax'
                )
            if value in GO_TRUE:
                out.append(name)
        else:
            out.append(arg)
    return out


def _flag_label(flags: Sequence[Flag], name: str) -> str:
    """pflag names a flag in errors as `-a, --all` when it has a shorthand, else `--all`."""
    for flag in flags:
        if name in flag.opts:
            longs = [o for o in flag.opts if o.startswith("--")]
            shorts = [o for o in flag.opts if not o.startswith("--")]
            return f"{shorts[0]}, {longs[0]}" if shorts else longs[0]
    return name


def _help_flag(name: str) -> Flag:
    return Flag(
        HELP_OPTION_NAMES,
        type_name="bool",
        usage=f"help for {name}",
        expose_value=False,
        is_eager=True,
        callback=_show_help,
    )


def _show_help(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(ctx.get_help(), nl=False)
        ctx.exit(0)


# A factory for the root's persistent flags; every command gets its own copies.
GlobalFlags = Callable[[bool], list[Flag]]


def install_global_flags(command: click.Command, factory: GlobalFlags, inherited: bool = True) -> None:
    """Give `command` (and, for a group, every subcommand now or later added) the flags."""
    names = {p.name for p in command.params}
    command.params.extend(f for f in factory(inherited) if f.name not in names)
    if isinstance(command, Group):
        command.global_flags = factory
        for sub in command.commands.values():
            install_global_flags(sub, factory)


class _CobraMixin:
    use: str
    short: str
    long: str | None

    def _flags(self, ctx: click.Context) -> tuple[list[Flag], list[Flag]]:
        params = [p for p in self.get_params(ctx) if isinstance(p, Flag) and not p.hidden]  # type: ignore[attr-defined]
        local = [p for p in params if not p.inherited]
        inherited = [p for p in params if p.inherited]
        return local, inherited

    def command_path(self, ctx: click.Context) -> str:
        return ctx.command_path

    def cobra_help(self, ctx: click.Context, subcommands: list[tuple[str, str]], runnable: bool) -> str:
        path = self.command_path(ctx)
        parent = path.rsplit(" ", 1)[0] if " " in path else ""
        out = []
        text = (self.long or self.short).rstrip()
        if text:
            out.append(text + "\n\n")
        out.append("Usage:")
        local, inherited = self._flags(ctx)
        if runnable:
            line = f"{parent} {self.use}".strip()
            if (
                "[flags]" not in self.use
                and (local or inherited)
                and getattr(self, "flags_in_use_line", True)
            ):
                line += " [flags]"
            out.append(f"\n  {line}")
        if subcommands:
            out.append(f"\n  {path} [command]")
        aliases = getattr(self, "aliases", ())
        if aliases:
            out.append("\n\nAliases:\n  " + ", ".join((self.use.split(" ", 1)[0], *aliases)))
        if subcommands:
            width = max(len(n) for n, _ in subcommands)
            out.append("\n\nAvailable Commands:")
            for name, short in subcommands:
                out.append(f"\n  {name.ljust(width)} {short}")
        if local:
            out.append("\n\nFlags:\n" + flag_usages(local))
        if inherited:
            out.append("\n\nGlobal Flags:\n" + flag_usages(inherited))
        if subcommands:
            out.append(f'\n\nUse "{path} [command] --help" for more information about a command.')
        out.append("\n")
        return "".join(out)


def _first_arg(values: Sequence[str]) -> Callable[..., list[CompletionItem]]:
    offer = complete_values(*values)

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
        return [] if ctx.params.get("args") else offer(ctx, param, incomplete)

    return complete


class Command(_CobraMixin, click.Command):
    """A leaf command. `args`: "none" (cobra NoArgs), "any" (passed as `args`), or an int N
    (at most N, passed as `args`)."""

    def __init__(
        self,
        name: str,
        *,
        use: str | None = None,
        short: str = "",
        long: str | None = None,
        args: str | int = "none",
        params: list[click.Parameter] | None = None,
        arg_values: Sequence[str] = (),
        flags_in_use_line: bool = True,
        **kwargs: Any,
    ) -> None:
        params = list(params or [])
        params.append(_help_flag(name))
        self.args_rule = args
        self.flags_in_use_line = flags_in_use_line  # cobra's DisableFlagsInUseLine, inverted
        if args != "none":
            # `arg_values`: what shell completion offers for the first argument (cobra's ValidArgs).
            complete = _first_arg(arg_values) if arg_values else None
            params.append(click.Argument(["args"], nargs=-1, shell_complete=complete))
        else:
            # Leftover words are reported in cobra's words by parse_args below.
            kwargs.setdefault("context_settings", {})["allow_extra_args"] = True
        super().__init__(name, params=params, add_help_option=False, **kwargs)
        self.use = use or f"{name} [flags]..."
        self.short = short
        self.long = long

    def get_help(self, ctx: click.Context) -> str:
        return self.cobra_help(ctx, [], runnable=True)

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, go_bool_forms(self.get_params(ctx), args, stop_at_word=False))
        if self.args_rule == "none" and ctx.args:
            raise CommandError(f'unknown command "{ctx.args[0]}" for "{ctx.command_path}"')
        given = ctx.params.get("args", ())
        if isinstance(self.args_rule, int) and len(given) > self.args_rule:
            raise CommandError(f"accepts at most {self.args_rule} arg(s), received {len(given)}")
        return rest


class Group(_CobraMixin, click.Group):
    """A command group; when not runnable it prints its help for any bare or unknown use."""

    def __init__(
        self,
        name: str,
        *,
        short: str = "",
        long: str | None = None,
        aliases: Sequence[str] = (),
        lazy: dict[str, tuple[str, str, str]] | None = None,
        hidden_commands: Sequence[str] = (),
        global_flags: GlobalFlags | None = None,
        **kwargs: Any,
    ) -> None:
        params = list(kwargs.pop("params", []) or [])
        params.append(_help_flag(name))
        super().__init__(name, params=params, add_help_option=False, invoke_without_command=True, **kwargs)
        # Set on the root; a group added below it inherits the factory in add_command.
        self.global_flags: GlobalFlags | None = None
        if global_flags is not None:
            install_global_flags(self, global_flags, inherited=False)
        self.use = name
        self.short = short
        self.long = long
        self.aliases = tuple(aliases)
        # name -> (module, attribute, short help): imported only when that command runs, so a
        # handler process does not pay for the HTTP stack it never uses.
        self.lazy = dict(lazy or {})
        self.hidden_commands = set(hidden_commands)

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        super().add_command(cmd, name)
        if self.global_flags is not None:
            install_global_flags(cmd, self.global_flags)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.lazy))

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None:
            for sub in self.commands.values():
                if cmd_name in getattr(sub, "aliases", ()):
                    return sub
        if cmd is None and cmd_name in self.lazy:
            module, attr, _short = self.lazy[cmd_name]
            import importlib

            loaded = getattr(importlib.import_module(module), attr)
            self.add_command(loaded, cmd_name)
            cmd = loaded
        return cmd

    def _short_of(self, ctx: click.Context, name: str) -> str:
        if name in self.lazy and name not in self.commands:
            return self.lazy[name][2]
        cmd = self.get_command(ctx, name)
        return getattr(cmd, "short", "") if cmd else ""

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """What click offers, less the commands kept only for compatibility (cobra hides them)."""
        return [
            item
            for item in super().shell_complete(ctx, incomplete)
            if item.type != "plain" or item.value not in self.hidden_commands
        ]

    def _suggestions(self, ctx: click.Context, typed: str) -> str:
        """cobra's "Did you mean this?": visible commands within Levenshtein distance 2 of what
        was typed (ignoring case), or starting with it; never `help`."""
        names = [n for n in self.list_commands(ctx) if n not in self.hidden_commands and n != HELP_COMMAND]
        lowered = typed.lower()
        found = [n for n in names if _distance(lowered, n.lower()) <= 2 or n.lower().startswith(lowered)]
        if not found:
            return ""
        return "\n\nDid you mean this?\n" + "".join(f"\t{n}\n" for n in found)

    def get_help(self, ctx: click.Context) -> str:
        subs = [
            (name, self._short_of(ctx, name))
            for name in self.list_commands(ctx)
            if name not in self.hidden_commands
        ]
        return self.cobra_help(ctx, subs, runnable=False)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0]
        cmd = self.get_command(ctx, name)
        if cmd is None:
            if ctx.parent is None:
                path = ctx.command_path
                raise CommandError(
                    f'unknown command "{name}" for "{path}"{self._suggestions(ctx, name)}\n'
                    f"Run '{path} --help' for usage."
                )
            # A non-root group that is not runnable shows its help for unknown words (cobra).
            click.echo(ctx.get_help(), nl=False)
            ctx.exit(0)
        return name, cmd, args[1:]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        rest = super().parse_args(ctx, go_bool_forms(self.get_params(ctx), args, stop_at_word=True))
        # Whether a subcommand word followed. click 8 keeps it apart (its public accessor is
        # deprecated), click 9 leaves it in ctx.args: look in both.
        held = getattr(ctx, "_protected_args", None) or []
        ctx.meta["cobra.subcommand_given"] = bool(held) or bool(ctx.args)
        return rest

    def invoke(self, ctx: click.Context) -> Any:
        if not ctx.meta.get("cobra.subcommand_given"):
            click.echo(ctx.get_help(), nl=False)
            ctx.exit(0)
        return super().invoke(ctx)


def _distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions of one character)."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


HELP_COMMAND = "help"


def help_command(root_name: str) -> Command:
    """cobra's default `help [command]`: the help of the command at that path; for a first word
    that is no command, "Unknown help topic" and the root's usage on stderr (exit 0, as cobra)."""
    return Command(
        HELP_COMMAND,
        use="help [command]",
        short="Help about any command",
        long=(
            "Help provides help for any command in the application.\n"
            f"Simply type {root_name} help [path to command] for full details."
        ),
        args="any",
        callback=lambda args, **_: _help_topic(list(args)),
    )


def _help_topic(words: list[str]) -> None:
    root_ctx = click.get_current_context().find_root()
    ctx, cmd = root_ctx, root_ctx.command
    for depth, word in enumerate(words):
        if not isinstance(cmd, click.Group):
            break  # a leaf: the rest would be its arguments
        found = cmd.get_command(ctx, word)
        if found is None:
            if depth > 0:
                break  # cobra shows the deepest command it found
            quoted = " ".join(f"`{w}`" for w in words)
            root = root_ctx.command
            assert isinstance(root, Group)
            usage = root.get_help(root_ctx)
            usage = usage[usage.index("Usage:") :]
            click.echo(f"Unknown help topic [{quoted}]\n{usage}", nl=False, err=True)
            return
        ctx = click.Context(found, info_name=found.name, parent=ctx)
        cmd = found
    click.echo(cmd.get_help(ctx), nl=False)


def _translate(exc: click.ClickException, argv: Sequence[str]) -> str:
    if isinstance(exc, click.NoSuchOption):
        name = exc.option_name
        if name.startswith("--"):
            return f"unknown flag: {name}"
        return f"unknown shorthand flag: '{name.lstrip('-')[:1]}' in {name}"
    if isinstance(exc, click.BadOptionUsage) and "requires an argument" in exc.message:
        return f"flag needs an argument: {exc.option_name}"
    if isinstance(exc, click.BadParameter) and exc.param is not None and isinstance(exc.param, Flag):
        return exc.message
    return exc.format_message()


def _start_telemetry() -> None:
    """Upstream's set-up before any command: on failure, Go's standard logger line and exit 1."""
    from .. import telemetry

    try:
        telemetry.setup()
    except telemetry.TelemetryError as exc:
        sys.stderr.write(f"{time.strftime('%Y/%m/%d %H:%M:%S')} Error in initializing OTel SDK: {exc}\n")
        sys.exit(1)


def run(root: click.Command, argv: Sequence[str] | None = None) -> NoReturn:
    """Run the CLI the way cobra would: errors as `Error: ...` on stderr, exit status 1.

    OpenTelemetry is set up first (when `OTEL_EXPORTER_OTLP_ENDPOINT` asks for it) and flushed
    at the end, whatever the exit status."""
    from .. import telemetry

    _start_telemetry()
    try:
        _run(root, argv)
    finally:
        telemetry.shutdown()


def _run(root: click.Command, argv: Sequence[str] | None) -> NoReturn:
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        # Without standalone mode click returns ctx.exit()'s status instead of raising it.
        status = root.main(args=args, prog_name=root.name, standalone_mode=False)
    except CommandError as exc:
        sys.stderr.write(f"Error: {exc.text}\n")
        sys.stderr.flush()
        sys.exit(exc.code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(1)
    except click.ClickException as exc:
        sys.stderr.write(f"Error: {_translate(exc, args)}\n")
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
