#!/usr/bin/python3
"""Renders templates and conditions exactly as Ansible does, for the golden differential test.

Reads {"basedir": dir, "cases": [{"id", "kind": "template" | "when", "text", "vars", "yaml"}]} as JSON on stdin and
writes [{"id", "ok": true, "out"} | {"id", "ok": false, "error"}] on stdout. The environment, filters, tests
and lookups are Ansible's own (its Templar), so the comparison is against Ansible, not a re-implementation.
"""
import json
import os
import sys
import warnings

warnings.simplefilter('ignore')
os.environ.setdefault('ANSIBLE_LOCAL_TEMP', os.path.join(os.environ.get('TMPDIR', '/tmp'), 'runbook-oracle'))

from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.template import Templar  # noqa: E402


def render(templar, loader, case):
    variables = dict(case.get('vars', {}))
    if case.get('yaml'):
        # Variables written in YAML, read by Ansible's own loader (floats such as 1.0 stay floats).
        variables.update(loader.load(case['yaml']))
    templar.available_variables = variables
    if case['kind'] == 'when':
        # Ansible's Conditional wraps the expression the same way before templating it.
        presented = '{%% if %s %%} True {%% else %%} False {%% endif %%}' % case['text']
        return templar.template(presented).strip()
    # The template module: trailing newlines kept, backslashes left alone, no conversion back to data.
    return templar.do_template(case['text'], preserve_trailing_newlines=True, escape_backslashes=False)


def main():
    request = json.load(sys.stdin)
    loader = DataLoader()
    loader.set_basedir(request['basedir'])
    templar = Templar(loader=loader)
    searchpath = [os.path.join(request['basedir'], 'templates')]
    results = []
    for case in request['cases']:
        try:
            with templar.set_temporary_context(searchpath=searchpath):
                out = render(templar, loader, case)
            results.append({'id': case['id'], 'ok': True, 'out': str(out)})
        except Exception as e:  # every failure is a result: the test compares that both sides fail
            results.append({'id': case['id'], 'ok': False, 'error': '%s: %s' % (type(e).__name__, e)})
    json.dump(results, sys.stdout)


main()
