"""What makes us byte-compatible with Go: the shapes and texts upstream's users and scripts see.

`template/` (text/template, for startup scripts), `fmt` (Sprintf verbs, for group member names),
`json` (encoding/json's rendering of a request, as a script's stdin gets it), `jsonfield`
(encoding/json's decoding rules for webhook bodies), `duration` (time.Duration syntax and text),
`errors` (go-multierror, exec/signal/errno and gRPC status texts).
"""
