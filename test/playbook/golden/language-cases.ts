import type { GoldenCase } from './cases.js';

/**
 * Statements (raw, macro, call, filter, with), string literals and their escapes, str methods and format
 * specs, conversions, and the filters and tests templates and conditions commonly use.
 */
export const LANGUAGE_CASES: GoldenCase[] = [
  // ---- statements, string literals and methods, filters and tests ----
  { t: '{{ d | to_nice_json }}' },
  { t: '{{ {"b": [1, {"z": 1, "a": null}], "a": "é"} | to_nice_json }}' },
  { t: '{{ {"b": 1, "a": 2} | to_json }}' },
  { t: '{{ {"b": 1, "a": 2} | to_nice_json(indent=2) }}' },
  { t: '{{ {"b": 1, "a": 2} | to_json(sort_keys=true) }}' },
  { t: '{{ "é☕" | to_json }}' },
  { t: '{{ "é☕" | to_json(ensure_ascii=false) }}' },
  { t: '{{ [] | to_nice_json }}' },
  { t: '{{ {} | to_nice_json }}' },
  {
    t:
      '{{ {"k": "a very long string that goes on and on and on and on and on and on ' +
      'and on and on and on"} | to_nice_yaml }}',
  },
  { t: '{{ {"k": "a very long string that goes on and on and on and on and on"} | to_nice_yaml(width=20) }}' },
  { t: '{{ users | to_nice_yaml }}' },
  { t: '{{ {"b": 1, "a": [1, 2]} | to_yaml }}' },
  { t: '{{ {"s": "yes", "n": "1.0", "e": "", "m": "a: b", "nl": "a\\nb"} | to_nice_yaml }}' },
  { t: '{{ unicode | to_yaml }}' },
  { t: '{{ nested | to_nice_yaml(indent=4) }}' },
  {
    t:
      '{{ unicode | length }} {{ unicode | upper }} {{ unicode[0:3] }} {{ unicode | ' +
      'reverse }} {{ "ǅ" | lower }} {{ "ß" | upper }} {{ "straße" | title }}',
  },
  { t: '{{ "İ" | lower | length }}' },
  { t: '{{ "😀x" | length }} {{ "😀x"[1] }}' },
  {
    t:
      '{{ nothing | string }} {{ t | string }} {{ fa | string }} {{ nothing }} [{{ ' +
      'nothing }}] {{ [nothing] }} {{ {"a": nothing} }}',
  },
  { t: '{% raw %}{{ x }}{% endraw %}' },
  { t: '{% macro m(a, b=2) %}{{ a }}-{{ b }}{% endmacro %}{{ m(1) }} {{ m(1, 3) }} {{ m(b=5, a=0) }}' },
  { t: '{% macro m() %}[{{ caller() }}]{% endmacro %}{% call m() %}inner{% endcall %}' },
  { t: '{% macro m(x) %}[{{ caller(x * 2) }}]{% endmacro %}{% call(v) m(3) %}got {{ v }}{% endcall %}' },
  { t: '{% macro m(a, b) %}{{ a }}{% endmacro %}{{ m(1) }}' },
  { t: '{% filter upper %}hello {{ s }}{% endfilter %}' },
  { t: '{% filter indent(2, true) %}a\nb{% endfilter %}' },
  { t: '{% filter replace("a", "b") | upper %}aaa{% endfilter %}' },
  { t: '{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}' },
  { t: '{% with %}{% set q = 5 %}{{ q }}{% endwith %}{{ q is defined }}' },
  { t: '{% with x = n %}{% with y = x * 2 %}{{ y }}{% endwith %}{% endwith %}' },
  { t: '{% if n > 5 %}a{% elif n > 2 %}b{% else %}c{% endif %}' },
  { t: '{% for x in [] %}a{% else %}empty{% endfor %}' },
  { t: '{% for x in [1,2,3] if x > 5 %}a{% else %}none{% endfor %}' },
  { t: '{% set x = [1,2] %}{% set x = x + [3] %}{{ x }}' },
  { t: '{% for a, b in [(1, 2), (3, 4)] %}{{ a }}{{ b }}{% endfor %}' },
  { t: '{% for k, v in d | dictsort %}{{ k }}{{ v }}{% endfor %}' },
  { t: '{{ "a" "b" }}' },
  { t: '{{ "\\x41\\u00e9\\n" }}' },
  { t: "{{ 'it\\'s' }}" },
  { t: '{{ "tab\\there" }}' },
  {
    t:
      '{{ s.split() }} {{ s.split(" ", 1) }} {{ s.rsplit(" ", 1) }} {{ csv.split(",") ' +
      '}} {{ s.splitlines() }} {{ multiline.splitlines() }}',
  },
  {
    t:
      '{{ s.startswith(("He", "x")) }} {{ s.endswith("ld") }} {{ s.find("o") }} {{ ' +
      's.rfind("o") }} {{ s.index("W") }} {{ s.count("l") }}',
  },
  {
    t:
      '{{ s.center(15, "*") }} {{ s.ljust(13, ".") }} {{ s.rjust(13) }} {{ ' +
      '"42".zfill(5) }} {{ s.swapcase() }} {{ s.capitalize() }} {{ "a-b_c d".title() }}',
  },
  {
    t:
      '{{ s.isupper() }} {{ "ABC".isupper() }} {{ "123".isdigit() }} {{ ' +
      '"abc".isalpha() }} {{ " ".isspace() }} {{ "a1".isalnum() }} {{ "Ab ' +
      'Cd".istitle() }}',
  },
  {
    t:
      '{{ "a,b".partition(",") }} {{ "a,b,c".rpartition(",") }} {{ "xxhixx".strip("x") ' +
      '}} {{ "  a ".lstrip() }} {{ "a\\n".rstrip() }} {{ "%s"|format(1) }}',
  },
  {
    t:
      '{{ l.index("b") }} {{ l.count("a") }} {{ [3,1,2] | sort | first }} {{ d.copy() ' +
      '}} {{ d.items() | map("first") | list }}',
  },
  { t: '{{ "{{}} {}".format(1) }}' },
  { t: '{{ "{:10.3f}|".format(3.14159) }} {{ "{:<10}|".format("ab") }} {{ "{:*^9}".format("mid") }}' },
  {
    t:
      '{{ "%-5s|%5s|" % ("a", "b") }} {{ "%3d|%-3d|%03d" % (1, 2, 3) }} {{ "%.3s" % ' +
      '"abcdef" }} {{ "%c" % 65 }} {{ "%5.1f%%" % 99.55 }} {{ "%i" % 3.9 }}',
  },
  { t: '{{ "%s and %s" % ["a", "b"] }}' },
  { t: '{{ "%s" % (1,) }}' },
  { t: '{{ "%s" % ((1, 2),) }}' },
  { t: '{{ "%(x)05.1f" % {"x": 2} }}' },
  { t: '{{ d | dict2items }} {{ d | dict2items(key_name="k", value_name="v") }}' },
  { t: '{{ {"a": {"b": 1}} | combine({"a": {"c": 2}}, recursive=true) }}' },
  { t: '{{ [{"a": 1}, {"b": 2}] | combine }}' },
  {
    t:
      '{{ users | selectattr("enabled") | map(attribute="name") | list }} {{ users | ' +
      'rejectattr("uid", ">", 1000) | map(attribute="name") | join(",") }}',
  },
  {
    t:
      '{{ users | map(attribute="tags.team") | unique | list }} {{ users | ' +
      'map(attribute="missing", default="x") | list }}',
  },
  { t: '{{ users | selectattr("groups", "contains", "dev") | map(attribute="name") | list }}' },
  {
    t:
      '{{ [1, 2, 3, 4] | select("even") | list }} {{ [1, 2, 3] | reject("in", [2]) | ' +
      'list }} {{ ["a", "bb"] | map("length") | list }} {{ ["a1", "b2"] | ' +
      'select("match", "a") | list }}',
  },
  { t: '{{ range(5) | list }} {{ range(1, 10, 3) | list }} {{ range(5, 0, -2) | list }} {{ range(3) }}' },
  {
    t:
      '{{ [1, [2, [3, [4]]]] | flatten }} {{ [1, [2, [3, [4]]]] | flatten(levels=1) }} ' +
      '{{ [[1, 2], [3]] | sum(start=[]) }}',
  },
  {
    t:
      '{{ "a b c" | replace(" ", "-", 1) }} {{ "aaa" | replace("a", "b") }} {{ s | ' +
      'regex_replace("(o)", "[\\\\1]") }} {{ s | regex_search("W(or)") }} {{ s | ' +
      'regex_findall("o.") }}',
  },
  {
    t:
      '{{ s | regex_search("(?P<w>W\\\\w+)", "\\\\g<w>") }} {{ "ABC" | ' +
      'regex_search("b", ignorecase=true) }} {{ s | regex_search("zzz") }}',
  },
  {
    t:
      '{{ 1 | ternary("y", "n") }} {{ nothing | ternary("y", "n", "none") }} {{ [1, 2] ' +
      '| zip(["a", "b"]) | list }} {{ [1, 2] | product(["a"]) | list }}',
  },
  {
    t:
      '{{ [3, 1, 2] | min }} {{ [3, 1, 2] | max }} {{ users | max(attribute="uid") | ' +
      'attr("name") }} {{ ["b", "A"] | min }} {{ ["b", "A"] | min(case_sensitive=true) ' +
      '}}',
  },
  {
    t:
      '{{ s | hash("md5") }} {{ s | hash("sha1") }} {{ s | checksum }} {{ s | ' +
      'b64encode }} {{ b64 | b64decode }} {{ s | urlencode }} {{ "a b&c" | urlencode }}',
  },
  {
    t:
      '{{ 1024 | filesizeformat }} {{ 1000000 | filesizeformat }} {{ 1024 | ' +
      'filesizeformat(true) }} {{ 12345678 | human_readable }}',
  },
  {
    t:
      '{{ "<b>x</b>" | striptags }} {{ "<a>" | e }} {{ "<a>" | escape }} {{ "x" | ' +
      'forceescape }} {{ "a\\nb" | wordwrap(1) }} {{ "hello world" | wordwrap(5) }}',
  },
  {
    t:
      '{{ "hello" | first }} {{ "hello" | last }} {{ d | first }} {{ [1,2,3] | ' +
      'random(seed=1) is number }} {{ d | list }} {{ d | items | list }}',
  },
  { t: '{{ {"a": 1} | attr("a") }}' },
  { t: '{{ [1,2] | attr("0") }}' },
  {
    t:
      '{{ "abc" | list }} {{ "abc" | unique | list }} {{ [1, 2] | join }} {{ [1, 2] | ' +
      'join(", ") }} {{ [nothing, 1] | join("-") }}',
  },
  {
    t:
      '{{ [1,2,3] | map("string") | join }} {{ [1,2,3] | map("int") | sum }} {{ ["1", ' +
      '"2"] | map("int") | list }} {{ [1.5, 2.5] | map("round") | list }}',
  },
  { t: '{{ users | items2dict(key_name="name", value_name="uid") }}' },
  { t: '{{ {"a": 1}.items() | list | first }}' },
  { t: '{{ d.items() | first }}' },
  { t: '{{ nested.ports | map("string") | map("regex_replace", "^", ":") | list }}' },
  { t: '{{ s | truncate(5, leeway=0) }} {{ s | truncate(20) }}' },
  { when: 'result is changed' },
  { when: 'result is succeeded' },
  { when: 'failed_result is failed' },
  { when: 'skipped_result is skipped' },
  { when: 'result.stdout is search("two")' },
  { when: 'version is version("2.10", ">=")' },
  { when: 'version is version_compare("3", "<")' },
  { when: '[1, 2] is subset([1, 2, 3])' },
  { when: '[1, 2, 3] is superset([2])' },
  { when: '"abc" is match("a")' },
  { when: '"abc" is regex("b")' },
  { when: 'd is mapping' },
  { when: 'l is iterable and l is sequence' },
  { when: 's is lower' },
  { when: 'nothing is none' },
  { when: 'f is float' },
  { when: 'n is integer' },
  { when: 't is boolean' },
  { when: '"x" is truthy' },
  { when: '"" is falsy' },
  { when: 'n is gt 5 and n is le 7' },
  { when: 'n is ne 7' },
  { when: 'l is contains("a")' },
  { when: '"/etc" is abs' },
  { when: 'n is divisibleby(7)' },
  { when: 'n' },
  { when: 'empty_list' },
  { when: '"False"' },
  { when: '"false"' },
  { when: '"0"' },
  { when: '0.0' },
  { when: 'nothing' },
  { when: '"yes"' },
  { when: '"no"' },
  { when: 't == "True"' },
  { when: 'n == "7"' },
  { when: 'n | string == "7"' },
  { t: '{{ "a1b22" | regex_findall("\\d+") }}' },
  { t: '{{ "a.b" | regex_replace("\\.", "-") }}' },
  { t: '{{ "x\\\\y" }}' },
  { t: '{{ "\\q" }}' },
  { t: '{{ "\\101\\x41\\u0041\\U0001F600" }}' },
  { t: '{{ \'a\\\'b\' }} {{ "a\\"b" }}' },
  { t: '{{ {"a": {"b": 1}} }}' },
  { t: '{{ {"a": {"b": {"c": 1}}}["a"] }}' },
  { t: '{% set x = {"a": {"b": 1}} %}{{ x }}' },
  { t: '{{ [{"a": 1}] }}' },
  {
    t:
      '{{ "straße" | title }} {{ "they\'re bill\'s 1st-x (a) [b] <c> {d}" | title }} ' +
      '{{ "hELLO wORLD" | title }} {{ "a_b c.d" | title }}',
  },
  {
    t:
      '{{ "straße".title() }} {{ "they\'re bill\'s 1st-x (a)" .title() }} {{ "hELLO ' +
      'wORLD".title() }} {{ "a_b c.d".title() }}',
  },
  {
    t:
      '{{ "Ab Cd".istitle() }} {{ "ab".istitle() }} {{ "AB".istitle() }} {{ ' +
      '"1A".istitle() }} {{ "".istitle() }} {{ "A1b".istitle() }}',
  },
  { t: '{% with a = 1, b = 2 %}{{ a + b }}{% endwith %}' },
  { t: '{% with %}{% set q = 5 %}{{ q }}{% endwith %}{{ q is defined }}' },
  { t: '{% with x = n %}{% with y = x * 2 %}{{ y }}{% endwith %}{% endwith %}' },
  { t: '{% set a = 1 %}{% with a = 2 %}{{ a }}{% endwith %}{{ a }}' },
  { t: '{% with a = 2 %}{% set a = 3 %}{{ a }}{% endwith %}{{ a is defined }}' },
  { t: '{% for i in [1,2] %}{% with j = i * 10 %}{{ j }}{% endwith %}{% endfor %}' },
  { t: '{% filter replace("a", "b") | upper %}aaa{% endfilter %}' },
  { t: '{% filter upper %}x{% endfilter %}' },
  { t: '{% filter center(9) %}{{ s | length }}{% endfilter %}|' },
  { t: '{{ "a" "b" }}' },
  { t: '{{ "a" \'b\' ~ "c" }}' },
  { t: '{{ null }}' },
  { t: '{{ x | default(null) }}' },
  { t: '{{ {"a": {"b": 1}} | combine({"a": {"c": 2}}, recursive=true) }}' },
  // ---- format specs, unpacking assignments, raw blocks ----
  {
    t:
      '{{ "{0:>{1}}".format("x", 4) }} {{ "{:{}}|".format("ab", 5) }} ' +
      '{{ "{:#x} {:#o} {:#b} {:#X}".format(255, 8, 5, 255) }} {{ "{:{w}.{p}f}".format(3.14159, w=8, p=2) }}',
  },
  { t: '{{ "{a[0]} {b[c]}".format(a=[1], b={"c": 2}) }}' },
  { t: '{{ "{b.c}".format(b={"c": 2}) }}' },
  { t: '{{ "{{x}} {}".format(1) }}' },
  { t: '{{ "{0[1]}".format("abc") }}' },
  { t: '{% set a, b = 1, 2 %}{{ a }}{{ b }}' },
  { t: '{% set a, b = [3, 4] %}{{ a }}{{ b }}' },
  { t: '{% set t = 1, 2 %}{{ t }}' },
  { t: '{% set t = 1, %}{{ t }}' },
  { t: '{% set a, b = [1] %}' },
  { t: '{% set k, v = d.items() | first %}{{ k }}={{ v }}' },
  { t: '{% for i in [1, 2] %}{% set a, b = i, i * 2 %}{{ a }}{{ b }}{% endfor %}{{ a is defined }}' },
  { t: '{% set a, b = "xy" %}{{ b }}{{ a }}' },
  { t: '{% raw %}{{ x }}{% endraw %}' },
  { t: '{% raw -%}  {{ x }}  {%- endraw %}' },
  { t: 'a\n{% raw %}\n{% if %}\n{% endraw %}\nb' },
  { t: 'a\n{% raw %}\nx\n{% endraw +%}\nb' },
  { t: '{% raw %}{% raw %}x{% endraw %}' },
  { t: '{% raw %}{% endraw -%}\n   y' },
  { t: '{% raw %}x' },
  { t: '{% if true %}\n{% raw %}{{ a }}{% endraw %}\n{% endif %}\n' },
  { t: '{%- raw %}  x{% endraw %}' },
  { t: '  {%- raw %}x{% endraw %}' },
  // ---- what playbook templates commonly write ----
  { t: '{{ missing.attr | default("x") }}' },
  { t: '{{ d.missing.deeper | default("x") }}' },
  { when: 'missing.attr is defined' },
  { when: 'd.missing is undefined' },
  { when: 'd.a is defined and d.a == 1' },
  { t: '{{ (missing | default({})).get("k", 3) }}' },
  { t: '{{ missing | default(d.a) }}' },
  { t: '{{ missing is not defined }}' },
  { when: 'missing is not defined or missing' },
  { when: 'missing | default(false)' },
  { when: 'not (missing | default(false) | bool)' },
  { t: 'server {\n{% for u in users %}\n    user {{ u.name }};{% if not loop.last %}\n{% endif %}\n{% endfor %}\n}\n' },
  { t: '{% for u in users -%}\n{{ u.name }}\n{%- if not loop.last %},{% endif %}\n{%- endfor %}\n' },
  { t: '[section]\n{% for k, v in nested.opts.items() %}\n{{ k }} = {{ v }}\n{% endfor %}\n' },
  { t: '{% if t %}\n  yes\n{% else %}\n  no\n{% endif %}\n' },
  { t: '  {% if t %}\n  yes\n  {% endif %}\n' },
  { t: '{%- if t -%}\n  yes\n{%- endif -%}\n' },
  { t: 'list:\n{{ users | map(attribute="name") | list | to_nice_yaml | indent(2, true) }}' },
  { t: '{{ {"a": [1, 2], "b": {"c": "d"}} | to_nice_yaml(indent=2) | indent(4) }}' },
  { t: '{{ users | json_query("[?enabled].name") }}' },
  { t: '{{ d | dict2items | map(attribute="key") | join(",") }}' },
  { t: '{% for h in hosts_list | sort %}{{ h }}{{ "," if not loop.last }}{% endfor %}' },
  { t: '{{ hosts_list | select("match", "^web") | list | length }}' },
  { t: '{{ "%-10s%s" | format("a", "b") }}' },
  { t: '{{ "{}".format(d) }} {{ "{}".format(l) }} {{ "{}".format(nothing) }} {{ "{}".format(t) }}' },
  { t: '{{ l + ["c"] }} {{ l * 2 }} {{ d.a + 1 }} {{ "-" * 10 }} {{ [0] * 3 }}' },
  { t: '{{ d | combine({"c": 3}) | dictsort | map("join", "=") | join("&") }}' },
  { t: '{{ s | lower | replace(" ", "_") }} {{ s | regex_replace("\\s+", "_") | lower }}' },
  { t: "{{ path | regex_replace('^/etc/(.*)$', '\\\\1') }}" },
  { t: '{{ ports_text.split() | map("int") | sum }} {{ ports_text.split() | map("int") | max }}' },
  { t: '{{ csv.split(",") | reject("equalto", "") | list }}' },
  { t: '{{ users | sum(attribute="uid") }} {{ users | map(attribute="uid") | sum / users | length }}' },
  { t: '{{ (users | map(attribute="uid") | sum) / (users | length) }}' },
  { t: '{{ nums | sort(reverse=true) }} {{ nums | sort | reverse | list }} {{ nums | reverse }}' },
  { t: '{{ word_list | unique }} {{ word_list | unique(case_sensitive=true) }}' },
  {
    t:
      '{{ [1, 2] | union([2, 3]) }} {{ [1, 2] | intersect([2, 3]) }} ' +
      '{{ [1, 2] | difference([2, 3]) }} {{ [1, 2] | symmetric_difference([2, 3]) }}',
  },
  { t: '{{ result.stdout_lines | select("search", "o") | list }} {{ result.stdout | regex_search("t\\\\w+") }}' },
  {
    t:
      '{{ d.keys() | list | sort }} {{ d.values() | list | sum }} ' +
      '{{ d | dict2items | selectattr("value", "gt", 1) | list }}',
  },
  { t: '{{ 5 | string | length }} {{ 3.0 | int | string }} {{ "5" | int * 2 }} {{ "2.5" | float * 2 }}' },
  {
    t:
      '{% set ns = namespace(total=0) %}{% for u in users %}{% set ns.total = ns.total + u.uid %}{% endfor %}' +
      '{{ ns.total }}',
  },
  { t: '{{ lookup("vars", "s") }} {{ lookup("items", l) }} {{ query("items", l) }}' },
  { t: '{{ users | first | to_json }} {{ users | last | attr("name") }}' },
  { t: '{{ nested | to_json(indent=2) }}' },
  { t: '{{ ip | ansible.utils.ipaddr("address") }} {{ "2001:db8::1" | ansible.utils.ipwrap }}' },
  // ---- strftime (the controller time zone on both sides) ----
  { t: '{{ "%Y-%m-%d %H:%M:%S %j %a %A %b %B %p %I %y %e %w %u %F %T %D %s %z %%" | strftime(1700000000) }}' },
  {
    t:
      '{{ "%Y-%m-%d %H:%M:%S" | strftime(1700000000, utc=true) }} {{ "%H:%M" | ' +
      'strftime("86399.9") }} {{ "%Y" | strftime(0) }} {{ "%j" | strftime(1704067199) ' +
      '}}',
  },
  { t: '{{ "%d" | strftime("x") }}' },
  { t: '{{ ("%Y" | strftime) | int > 2020 }}' },
  { t: '{{ "%Y-%m-%d" | ansible.builtin.strftime(951782400) }}' },
];
