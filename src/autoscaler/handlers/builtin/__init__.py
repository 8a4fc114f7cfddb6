"""Builtin handlers: they act on SAKURA Cloud directly, called in-process by the Core.

Each implements `autoscaler.handlers.contract.Handler` and acts through the Core's one
`CloudClient`; `registry` names them and creates them by name.
"""
