"""Inputs: turn a webhook (or a command line) into one request to the Core's ScalingService.

`server` runs the HTTP server the four webhook inputs share; `grafana`, `alertmanager`,
`zabbix` and `webhook` each decide whether a webhook is forwarded; `forward` talks to the Core;
`direct` is the command-line input.
"""
