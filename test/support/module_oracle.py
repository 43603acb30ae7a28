#!/usr/bin/python3
"""Runs one of Ansible's own modules on a file in a temporary directory, for each case.

Reads [{"id", "module", "content": str | null, "args": {...}}] as JSON on stdin; `PATH` in an argument
stands for the file. Writes [{"id", "result": {...}, "content": str | null}]: the module's JSON result and
the file afterwards. The module runs in this process through AnsibleModule's own argument channel, exactly
as Ansible runs it on a host.
"""
import contextlib
import importlib
import io
import json
import os
import sys
import tempfile
import warnings

warnings.simplefilter('ignore')

from ansible.module_utils import basic  # noqa: E402
from ansible.module_utils.common.text.converters import to_bytes  # noqa: E402


def run(case, tmpdir):
    path = os.path.join(tmpdir, 'target.txt')
    if os.path.exists(path):
        os.remove(path)
    if case['content'] is not None:
        with open(path, 'w', newline='') as f:
            f.write(case['content'])
    args = {k: (v.replace('PATH', path) if isinstance(v, str) else v) for k, v in case['args'].items()}
    args['_ansible_tmpdir'] = tmpdir
    args['_ansible_remote_tmp'] = tmpdir
    basic._ANSIBLE_ARGS = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args}))
    module = importlib.import_module('ansible.modules.' + case['module'])
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        try:
            module.main()
        except SystemExit:
            pass
    result = json.loads(out.getvalue())
    result.pop('invocation', None)
    if isinstance(result.get('msg'), str):
        result['msg'] = result['msg'].replace(path, 'PATH')
    content = None
    if os.path.exists(path):
        with open(path, newline='') as f:
            content = f.read()
    return {'result': result, 'content': content}


def main():
    cases = json.load(sys.stdin)
    results = []
    with tempfile.TemporaryDirectory() as tmpdir:
        for case in cases:
            results.append(dict(id=case['id'], **run(case, tmpdir)))
    json.dump(results, sys.stdout)


main()
