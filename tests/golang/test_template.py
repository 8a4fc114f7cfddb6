"""Startup-script templating: Go `text/template` semantics, against a ServerGroupInstance.

GO_OUTPUTS and GO_ERRORS were produced by Go's own text/template (Go 1.19) executing each
template against Go structs shaped like the generated `handler` package, holding the data of
`sample()`. Our column in parse errors is an addition (Go names only the line there).
"""

from __future__ import annotations

import pytest

from autoscaler.golang.template import Template, TemplateError, render
from autoscaler.proto import handler_pb2 as pb

Instance = pb.ServerGroupInstance


def sample() -> Instance:
    return Instance(
        zone="is1a",
        core=2,
        memory=4,
        name="web-001",
        tags=["web", "@group=a"],
        disks=[Instance.Disk(name="web-001-disk001", size=20, plan="ssd")],
        edit_parameter=Instance.EditParameter(host_name="web-001"),
        network_interfaces=[
            Instance.NIC(upstream="shared"),
            Instance.NIC(
                upstream="123456789012",
                user_ip_address="192.168.0.11",
                assigned_network=pb.NetworkInfo(
                    ip_address="192.168.0.11", netmask=24, gateway="192.168.0.1", index=1
                ),
                expose_info=Instance.ExposeInfo(ports=[80, 443], server_group_name="web"),
            ),
        ],
    )


def test_upstream_name() -> None:
    # handlers/server/horizontal_scale_handler_test.go
    assert render("test", "{{.Name}}", Instance(name="test")) == "test"


def test_upstream_network_interfaces() -> None:
    # handlers/server/horizontal_scale_handler_test.go
    nics = [
        Instance.NIC(upstream="shared"),
        Instance.NIC(
            upstream="123456789012",
            user_ip_address="192.168.11.101",
            assigned_network=pb.NetworkInfo(
                ip_address="192.168.11.101", netmask=24, gateway="192.169.11.1", index=1
            ),
        ),
    ]
    script = (
        "{{ range .NetworkInterfaces }}{{.Upstream}}"
        "{{ if .AssignedNetwork }}:{{ .AssignedNetwork.IpAddress }}{{ end }},{{ end }}"
    )
    assert render("test", script, Instance(network_interfaces=nics)) == "shared,123456789012:192.168.11.101,"


GO_OUTPUTS = [
    ("{{.Name}}", "web-001"),
    ("{{.Core}}-{{.Memory}}", "2-4"),
    ('{{ .Zone | printf "%s/%s" .Name }}', "web-001/is1a"),
    ('{{printf "%03d" .Core}}', "002"),
    ('{{printf "%d" .Name}}', "%!d(string=web-001)"),
    ('{{printf "%s %s" .Name}}', "web-001 %!s(MISSING)"),
    ('{{printf "%s" .Name .Zone}}', "web-001%!(EXTRA string=is1a)"),
    ("{{len .NetworkInterfaces}} {{len .Name}}", "2 7"),
    ("{{index .Tags 1}}", "@group=a"),
    ("{{(index .NetworkInterfaces 1).AssignedNetwork.IpAddress}}", "192.168.0.11"),
    ("{{with index .NetworkInterfaces 1}}{{.UserIpAddress}}{{end}}", "192.168.0.11"),
    ("{{range $i, $nic := .NetworkInterfaces}}{{$i}}={{$nic.Upstream}} {{end}}", "0=shared 1=123456789012 "),
    ("{{range .Tags}}{{.}},{{else}}none{{end}}", "web,@group=a,"),
    ("{{range (index .NetworkInterfaces 1).ExposeInfo.Vips}}x{{else}}no vips{{end}}", "no vips"),
    ("{{if .Parent}}parent{{else}}no parent{{end}}", "no parent"),
    ("{{(index .NetworkInterfaces 0).AssignedNetwork.GetIpAddress}}|", "|"),
    ('{{if eq .Zone "is1a"}}A{{else if eq .Zone "tk1a"}}B{{else}}C{{end}}', "A"),
    ('{{if eq .Zone "x"}}A{{else if eq .Zone "is1a"}}B{{else}}C{{end}}', "B"),
    ("{{if and .Name (not .Description)}}yes{{end}}", "yes"),
    ('{{or .Description "default"}}', "default"),
    ("{{ .Name -}}   \n  {{- .Zone }}", "web-001is1a"),
    ("{{/* comment */}}x{{- /* c2 */ -}}  y", "xy"),
    ('{{$n := .Name}}{{$n}}{{$n = "z"}}{{$n}}', "web-001z"),
    ('{{range .Tags}}{{if eq . "web"}}{{continue}}{{end}}{{.}}{{end}}', "@group=a"),
    ('{{range .Tags}}{{if eq . "@group=a"}}{{break}}{{end}}{{.}}{{end}}', "web"),
    ("{{eq .Core 2}}", "true"),
    ('{{"a" | printf "%s-%s" "b"}}', "b-a"),
    ('{{print 1 2 "a" 3}}', "1 2a3"),
    ("{{println .Name .Core}}", "web-001 2\n"),
    ('{{html "<a href=\'x\'>&\\"</a>"}}', "&lt;a href=&#39;x&#39;&gt;&amp;&#34;&lt;/a&gt;"),
    ('{{js "a\'b\\"<>=\\n"}}', "a\\'b\\\"\\u003C\\u003E\\u003D\\u000A"),
    ('{{urlquery "a b&c=d/é~"}}', "a+b%26c%3Dd%2F%C3%A9~"),
    ("{{slice .Name 1 3}}", "eb"),
    ("{{slice .Tags 1}}", "[@group=a]"),
    ("{{.EditParameter.HostName}}", "web-001"),
    ("{{1.0}} {{0x1F}} {{'a'}} {{1e6}} {{-3}} {{1.5}} {{0755}}", "1 31 97 1e+06 -3 1.5 493"),
    ('{{printf "%.2f" 3.14159}}', "3.14"),
    ('{{printf "%5s|%-5s|%05d|%+d" "a" "b" 42 7}}', "    a|b    |00042|+7"),
    ('{{printf "%x %X %o %b %c %q %U" 255 255 8 5 65 "hi" 65}}', 'ff FF 10 101 A "hi" U+0041'),
    ('{{printf "%v %t" true false}}', "true false"),
    (
        '{{printf "%T %T %T %T" .Name .Core .NetworkInterfaces .Parent}}',
        "string uint32 []*handler.ServerGroupInstance_NIC *handler.Parent",
    ),
    ("{{(index .NetworkInterfaces 0).ExposeInfo}}", "<nil>"),
    ("{{range $i, $e := .Tags}}{{if $i}},{{end}}{{$e}}{{end}}", "web,@group=a"),
    ("{{with $x := .Zone}}{{$x}}{{end}}", "is1a"),
    ("{{ .ShutdownForce }} {{if .DedicatedCpu}}d{{else}}s{{end}}", "false s"),
    ('{{printf "%v" .Tags}} {{.Tags}}', "[web @group=a] [web @group=a]"),
    ("{{index .Name 0}}", "119"),
    ('{{eq .Name "web-001" "x"}}', "true"),
    ("{{ne .Core 2}}", "false"),
    ('{{le 2 3}} {{ge 2 3}} {{gt "b" "a"}}', "true false true"),
    ('{{not 0}} {{not ""}} {{not .Tags}}', "true true false"),
    ('{{and 1 0 2}} {{or 0 "" "x"}}', "0 x"),
    ("{{.Name | len}}", "7"),
    ("{{range .NetworkInterfaces}}{{$.Name}}:{{.Upstream}} {{end}}", "web-001:shared web-001:123456789012 "),
    ("{{(index .NetworkInterfaces 1).ExposeInfo.Ports}}", "[80 443]"),
    ('{{printf "%d" (index .NetworkInterfaces 1).ExposeInfo.Ports}}', "[80 443]"),
    ('{{printf "%s" .Core}}', "%!s(uint32=2)"),
    ('{{printf "%q" .Tags}}', '["web" "@group=a"]'),
    ("{{eq .Parent nil}}", "true"),
    ("{{ .Name}} {{- 3 }}", "web-0013"),
    ("{{-3}}", "-3"),
    ("a {{- 3 -}} b", "a3b"),
    ("{{(index .Disks 0).Name}} {{(index .Disks 0).Size}}", "web-001-disk001 20"),
    ('{{"x" | not}}', "false"),
    ('{{printf "%"}}', "%!(NOVERB)"),
    ('{{printf "%z" 3}}', "%!z(int=3)"),
    ("{{`raw\\n`}}", "raw\\n"),
    ('{{"esc\\tq\\u00e9"}}', "esc\tqé"),
    ("{{ $ := 1 }}", ""),
    ("{{ .Name }}}}", "web-001}}"),
    ('{{.Core | printf "%d" | printf "%s!"}}', "2!"),
    ("{{with .Parent}}p{{else}}np{{end}}", "np"),
    ("{{.EditParameter.StartupScripts}}", "[]"),
    (
        "{{range .NetworkInterfaces}}{{if .ExposeInfo}}{{range .ExposeInfo.Ports}}{{.}};{{end}}{{end}}{{end}}",
        "80;443;",
    ),
    ("a\n{{- /* c */}}\nb", "a\nb"),
    ('{{ "x" }}\n{{- "y" -}}\n\n z', "xyz"),
    ("{{.Name\n}}", "web-001"),
    ('{{\n.Name\n|\nprintf "%s!"\n}}', "web-001!"),
    ("{{range $i, $e := .Tags}}{{$i}}:{{$e}}{{else}}none{{end}}", "0:web1:@group=a"),
    ("{{range $e := .Tags}}[{{$e}}]{{end}}", "[web][@group=a]"),
    ("{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"),
    ("{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21"),
    ("{{with .EditParameter}}{{.HostName}}{{end}}", "web-001"),
    ("{{with .Parent}}{{.}}{{else}}{{$.Name}}{{end}}", "web-001"),
    ("{{ .Core | eq 2 }}", "true"),
    ('{{ index .NetworkInterfaces 1 | printf "%T" }}', "*handler.ServerGroupInstance_NIC"),
    ('{{printf "%08.3f|%-8d|%x" 3.14159 42 "hi"}}', "0003.142|42      |6869"),
    ('{{printf "%[2]s %[1]s" "a" "b"}}', "b a"),
    ('{{printf "%*d" 5 42}}', "   42"),
    ('{{printf "%v %v" nil .Parent}}', "<nil> <nil>"),
    ('{{printf "%d%%" 50}}', "50%"),
    ("{{len .EditParameter.StartupScripts}}", "0"),
    ("{{not .Parent}}", "true"),
    ("{{and .Parent .Name}}|{{or .Parent .Name}}", "<nil>|web-001"),
    ('{{.Memory}}{{"GB"}}', "4GB"),
    ('{{1 | printf "%d"}}', "1"),
    ("{{(1)}}", "1"),
    ("{{(.Name)}}", "web-001"),
    ("{{range .Tags}}{{$.Name}}{{end}}", "web-001web-001"),
    ('{{true}} {{false}} {{""}}|', "true false |"),
    ("{{if 0}}a{{else if 1}}b{{end}}", "b"),
    ('{{if ""}}a{{else}}b{{end}}', "b"),
]

GO_ERRORS = [
    (
        "{{index .Tags 5}}",
        'template: web-001:1:2: executing "web-001" at <index .Tags 5>: error calling index: index out of range: 5',
    ),
    (
        "{{.Parent.Resource}}",
        'template: web-001:1:9: executing "web-001" at <.Parent.Resource>: nil pointer evaluating *handler.Parent.Resource',
    ),
    (
        "{{(index .NetworkInterfaces 0).AssignedNetwork.IpAddress}}",
        'template: web-001:1:28: executing "web-001" at <0>: nil pointer evaluating *handler.NetworkInfo.IpAddress',
    ),
    (
        "{{.Nmae}}",
        'template: web-001:1:2: executing "web-001" at <.Nmae>: can\'t evaluate field Nmae in type *handler.ServerGroupInstance',
    ),
    (
        "{{lt .Core 1.5}}",
        'template: web-001:1:2: executing "web-001" at <lt .Core 1.5>: error calling lt: incompatible types for comparison',
    ),
    ("{{.Name", "template: web-001:1:0: unclosed action"),
    ("{{if .Name}}x", "template: web-001:1:13: unexpected EOF"),
    ("{{end}}", "template: web-001:1:2: unexpected {{end}}"),
    ("{{foo .Name}}", 'template: web-001:1:2: function "foo" not defined'),
    ("{{$x}}", 'template: web-001:1:2: undefined variable "$x"'),
    ("{{ .Name | 1 }}", "template: web-001:1:11: non executable command in pipeline stage 2"),
    ("{{break}}", "template: web-001:1:2: {{break}} outside {{range}}"),
    (
        '{{.Name "x"}}',
        'template: web-001:1:2: executing "web-001" at <.Name>: Name has arguments but cannot be invoked as function',
    ),
    ("{{nil}}", 'template: web-001:1:2: executing "web-001" at <nil>: nil is not a command'),
    (
        '{{"a" | .Name}}',
        'template: web-001:1:8: executing "web-001" at <.Name>: Name has arguments but cannot be invoked as function',
    ),
    (
        "{{len .Parent}}",
        'template: web-001:1:2: executing "web-001" at <len .Parent>: error calling len: len of nil pointer',
    ),
    (
        "{{index .Parent 0}}",
        'template: web-001:1:2: executing "web-001" at <index .Parent 0>: error calling index: index of nil pointer',
    ),
    (
        "{{.Tags.Foo}}",
        'template: web-001:1:7: executing "web-001" at <.Tags.Foo>: can\'t evaluate field Foo in type []string',
    ),
    (
        "{{.Name.Foo}}",
        'template: web-001:1:7: executing "web-001" at <.Name.Foo>: can\'t evaluate field Foo in type string',
    ),
    (
        "日本語 {{.Nmae}}",
        'template: web-001:1:12: executing "web-001" at <.Nmae>: can\'t evaluate field Nmae in type *handler.ServerGroupInstance',
    ),
    (
        "line1\nline2 {{.Nope}}",
        'template: web-001:2:8: executing "web-001" at <.Nope>: can\'t evaluate field Nope in type *handler.ServerGroupInstance',
    ),
    ("{{/* x }}", "template: web-001:1:0: unclosed comment"),
    ("{{if}}{{end}}", "template: web-001:1:4: missing value for if"),
    ("{{else}}", "template: web-001:1:2: unexpected {{else}}"),
    (
        "{{range .Name}}{{end}}",
        'template: web-001:1:8: executing "web-001" at <.Name>: range can\'t iterate over web-001',
    ),
    (
        "{{.Parent.Resource.Elb}}",
        'template: web-001:1:9: executing "web-001" at <.Parent.Resource.Elb>: nil pointer evaluating *handler.Parent.Resource',
    ),
    (
        "{{eq .Name 1}}",
        'template: web-001:1:2: executing "web-001" at <eq .Name 1>: error calling eq: incompatible types for comparison',
    ),
    ("{{range $i, $e := .Tags}}{{$i}}{{end}}{{$i}}", 'template: web-001:1:40: undefined variable "$i"'),
    (
        "{{not}}",
        'template: web-001:1:2: executing "web-001" at <not>: wrong number of args for not: want 1 got 0',
    ),
    (
        "{{ne 1}}",
        'template: web-001:1:2: executing "web-001" at <ne>: wrong number of args for ne: want 2 got 1',
    ),
    (
        "{{len 3}}",
        'template: web-001:1:2: executing "web-001" at <len 3>: error calling len: len of type int',
    ),
    (
        "{{index 3 0}}",
        'template: web-001:1:2: executing "web-001" at <index 3 0>: error calling index: can\'t index item of type int',
    ),
    (
        "{{.Name | .Zone}}",
        'template: web-001:1:10: executing "web-001" at <.Zone>: Zone has arguments but cannot be invoked as function',
    ),
    (
        "{{printf}}",
        'template: web-001:1:2: executing "web-001" at <printf>: wrong number of args for printf: want at least 1 got 0',
    ),
    ("{{printf 3}}", 'template: web-001:1:9: executing "web-001" at <3>: expected string; found 3'),
    ("{{range .Tags}}{{end}", "template: web-001:1:20: bad character U+007D '}'"),
    ("{{ (.Name }}", "template: web-001:1:0: unclosed left paren"),
    ("{{ .Name) }}", 'template: web-001:1:8: unexpected ")" in command'),
    ('{{"unterminated}}', "template: web-001:1:2: unterminated quoted string"),
    (
        "{{range .Disks}}{{.Name}}{{.Nope}}{{end}}",
        'template: web-001:1:27: executing "web-001" at <.Nope>: can\'t evaluate field Nope in type *handler.ServerGroupInstance_Disk',
    ),
    (
        "{{slice .Name 3 1}}",
        'template: web-001:1:2: executing "web-001" at <slice .Name 3 1>: error calling slice: invalid slice index: 3 > 1',
    ),
    (
        "{{index .Tags -1}}",
        'template: web-001:1:2: executing "web-001" at <index .Tags -1>: error calling index: index out of range: -1',
    ),
    (
        '{{index .Tags "a"}}',
        'template: web-001:1:2: executing "web-001" at <index .Tags "a">: error calling index: cannot index slice/array with type string',
    ),
    ("{{if $x := .Name}}{{$x}}{{end}}{{$x}}", 'template: web-001:1:33: undefined variable "$x"'),
    (
        "{{range .NetworkInterfaces}}{{range .ExposeInfo.Ports}}{{.}}{{end}}{{end}}",
        'template: web-001:1:47: executing "web-001" at <.ExposeInfo.Ports>: nil pointer evaluating *handler.ServerGroupInstance_ExposeInfo.Ports',
    ),
    ("x\n\n{{if .Name}}\n{{end", "template: web-001:4:0: unclosed action"),
    ("{{range .Tags}}{{$t := .}}{{end}}{{$t}}", 'template: web-001:1:35: undefined variable "$t"'),
    (
        '{{(printf "%s" .Name).Foo}}',
        'template: web-001:1:15: executing "web-001" at <.Name>: can\'t evaluate field Foo in type string',
    ),
    (
        "{{.NetworkInterfaces.Upstream}}",
        'template: web-001:1:20: executing "web-001" at <.NetworkInterfaces.Upstream>: can\'t evaluate field Upstream in type []*handler.ServerGroupInstance_NIC',
    ),
    (
        "{{$.Nope}}",
        'template: web-001:1:3: executing "web-001" at <$.Nope>: can\'t evaluate field Nope in type *handler.ServerGroupInstance',
    ),
    (
        "{{ 3 | .Name }}",
        'template: web-001:1:7: executing "web-001" at <.Name>: Name has arguments but cannot be invoked as function',
    ),
]


@pytest.mark.parametrize(("text", "expected"), GO_OUTPUTS)
def test_output_as_go(text: str, expected: str) -> None:
    assert render("web-001", text, sample()) == expected


@pytest.mark.parametrize(("text", "expected"), GO_ERRORS)
def test_error_as_go(text: str, expected: str) -> None:
    with pytest.raises(TemplateError) as caught:
        render("web-001", text, sample())
    assert str(caught.value) == expected


def test_parse_errors_name_line_and_byte_column() -> None:
    with pytest.raises(TemplateError, match=r"^template: s:3:7: function \"nope\" not defined$"):
        Template.parse("s", "#!/bin/sh\necho\nname={{nope .Name}}\n")
    with pytest.raises(TemplateError, match=r"^template: s:1:15: unexpected EOF$"):
        Template.parse("s", "日本{{if .X}}")


def test_parsed_once_executed_many_times() -> None:
    template = Template.parse("hosts", "{{range .NetworkInterfaces}}{{.UserIpAddress}} {{end}}")
    one = Instance(network_interfaces=[Instance.NIC(user_ip_address="192.0.2.1")])
    two = Instance(network_interfaces=[Instance.NIC(user_ip_address="192.0.2.2")])
    assert (template.execute(one), template.execute(two)) == ("192.0.2.1 ", "192.0.2.2 ")


def test_getters_are_nil_safe_and_oneofs_are_interfaces() -> None:
    parent = pb.Parent(elb=pb.ELB(id="113", name="elb", virtual_ip_address="192.0.2.100"))
    instance = Instance(name="web-001", parent=parent)
    assert render("t", "{{.Parent.Resource.Elb.VirtualIpAddress}}", instance) == "192.0.2.100"
    assert render("t", "{{.Parent.GetElb.Name}}|{{.Parent.GetGslb.GetName}}|", instance) == "elb||"
    assert render("t", "{{if .Parent.GetDns}}dns{{else}}not dns{{end}}", instance) == "not dns"
    with pytest.raises(TemplateError, match=r"nil pointer evaluating handler.isParent_Resource.Elb"):
        render("t", "{{.Parent.Resource.Elb}}", Instance(parent=pb.Parent()))


def test_range_over_an_integer_and_maps() -> None:
    # Go 1.22 and later range over integers; maps range in key order.
    assert render("t", "{{range $i := 3}}{{$i}}{{end}}", None) == "012"
    assert render("t", "{{range $k, $v := .}}{{$k}}={{$v}};{{end}}", {"b": 2, "a": 1}) == "a=1;b=2;"
    assert render("t", "{{.missing}}|{{.a}}", {"a": 1}) == "<no value>|1"
